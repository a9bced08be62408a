import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestCa, type TestCa } from './test-ca';

export interface ProviderAccount {
  /** The subject (`sub`) and the id the driver logs in with. */
  id: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface ProviderClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

export interface IdentityProviderOptions {
  clients: ProviderClient[];
  accounts?: ProviderAccount[];
  /** Shared with other test servers so one CA file covers them all; a new CA when absent. */
  ca?: TestCa;
  /** Issuer `https://127.0.0.1:<port><pathPrefix>`, e.g. `/tenant-a`. */
  pathPrefix?: string;
  /** A fixed port (to restart a stopped provider at the same issuer); a free one when absent. */
  port?: number;
  /** false: discovery omits authorization_response_iss_parameter_supported and responses omit iss. */
  advertiseIssParameter?: boolean;
  /** Every response waits this long first (timeout tests). */
  slowMs?: number;
}

export interface IdentityProvider {
  issuer: string;
  port: number;
  /** The CA certificate file that verifies this provider (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  ca: TestCa;
  /** Adds the account, or replaces the one with its id; later tokens carry the new claims. */
  setAccount(account: ProviderAccount): Promise<void>;
  /** The next token-endpoint response carries this id_token instead of the one it minted. */
  replaceNextIdToken(idToken: string): Promise<void>;
  /** Kills the provider process; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const SERVER_SCRIPT = join(__dirname, 'oidc-provider-server.mjs');
const READY_TIMEOUT_MS = 20_000;

/** Starts oidc-provider in a child Node process on 127.0.0.1 over HTTPS and waits until it listens. */
export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<IdentityProvider> {
  const ca = options.ca ?? (await createTestCa());
  const { ca: _ca, ...rest } = options;
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      IDP_OPTIONS: JSON.stringify({
        ...rest,
        tls: { cert: ca.tls.serverCert, key: ca.tls.serverKey },
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await waitForReady(child);
  const pathPrefix = (options.pathPrefix ?? '').replace(/\/$/, '');
  let seq = 0;
  const command = (message: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      if (!child.connected) return reject(new Error('the identity provider has stopped'));
      const mine = ++seq;
      const onAck = (reply: { type: string; seq: number }) => {
        if (reply.type !== 'ack' || reply.seq !== mine) return;
        child.off('message', onAck);
        resolve();
      };
      child.on('message', onAck);
      child.send({ ...message, seq: mine });
    });
  return {
    issuer: `https://127.0.0.1:${port}${pathPrefix}`,
    port,
    caFile: ca.caFile,
    ca,
    setAccount: (account) => command({ type: 'setAccount', account }),
    replaceNextIdToken: (idToken) => command({ type: 'replaceNextIdToken', idToken }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function waitForReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Its start-up warnings (in-memory adapter, Node version) are expected here: only the rest.
      const worth = chunk
        .toString()
        .split('\n')
        .filter((line) => line && !line.startsWith('oidc-provider WARNING'));
      if (worth.length > 0) process.stderr.write(`${worth.join('\n')}\n`);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the identity provider did not start: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the identity provider exited (${code}): ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^ready (\d+)$/.exec(line);
      if (!ready) return;
      clearTimeout(timer);
      resolve(Number(ready[1]));
    });
  });
}
