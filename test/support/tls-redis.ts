import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { generateTlsMaterial } from '../../src/crypto/tls-material';
import { freePort } from './spawn-app';

/** A redis-server of a test's own that speaks only TLS (Debian's build), with a private CA. */
export interface TlsRedis {
  /** rediss://localhost:<port>: the certificate names localhost. */
  url: string;
  /** The PEM file of the CA that signed the server's certificate. */
  caFile: string;
  /** A client that trusts the CA (any TLS the server offers). */
  client(): Redis;
  close(): Promise<void>;
}

/**
 * Starts it with a fresh CA and a certificate for localhost; `tlsArgs` adds server
 * options (e.g. `--tls-protocols TLSv1.2 --tls-ciphers <suite>` to offer only one suite).
 */
export async function startTlsRedis(tlsArgs: string[] = []): Promise<TlsRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'snf-tls-redis-'));
  // The name only, no IP address: a client that asks for 127.0.0.1 must be refused.
  const material = await generateTlsMaterial(['localhost'], []);
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const caFile = file('ca.pem', material.caCert);
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1'],
      ...['--tls-cert-file', file('server.pem', material.serverCert)],
      ...['--tls-key-file', file('server.key', material.serverKey)],
      ...['--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no'],
      ...['--save', '', '--appendonly', 'no'],
      ...tlsArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const client = (): Redis =>
    new Redis({
      port,
      host: '127.0.0.1',
      tls: { ca: material.caCert, servername: 'localhost' },
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableReadyCheck: false,
      disableClientInfo: true,
      retryStrategy: () => null,
    });
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const probe = client();
    const answered = await probe.connect().then(
      () => probe.ping(),
      () => undefined,
    );
    probe.disconnect();
    if (answered === 'PONG') return { url: `rediss://localhost:${port}`, caFile, client, close };
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  throw new Error(`TLS redis-server did not start\n${output}`);
}
