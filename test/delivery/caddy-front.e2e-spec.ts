// The compose stack's TLS front, docker/caddy/Caddyfile, run by a real Caddy (Debian's package:
// .ci/checks/caddy.sh; CADDY_PATH for another) with the certificate docker/tls-init/make-tls.sh
// makes, in front of two stand-in replicas and a stand-in Mailpit. Only what Docker provides is
// changed in the file: the service names become local ports, /run/tls the material's directory,
// the ports free ones, and the active health check runs every second instead of every ten.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describeWhen } from '../support/prerequisites';

const ROOT = join(__dirname, '..', '..');
const CADDY = process.env.CADDY_PATH ?? '/usr/bin/caddy';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  authorized?: boolean;
}

interface Seen {
  replica: string;
  headers: Record<string, string | string[] | undefined>;
}

let dir: string;
let caddy: ChildProcess;
const servers: Server[] = [];
const seen: Seen[] = [];
const ready = new Map([
  ['app1', true],
  ['app2', true],
]);
const ports = { https: 0, http: 0, mail: 0, health: 0 };

const HSTS = 'max-age=31536000; includeSubDomains; preload';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on now (Caddy takes it a moment later). */
async function freePort(): Promise<number> {
  const probe = createHttpServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

function replica(name: string): Server {
  return createHttpServer((req, res) => {
    if (req.url === '/health/ready') {
      res.statusCode = ready.get(name) ? 200 : 503;
      res.end();
      return;
    }
    seen.push({ replica: name, headers: req.headers });
    // What the app sends itself: the proxy must pass it once and add nothing.
    res.setHeader('Strict-Transport-Security', HSTS);
    res.setHeader('Content-Type', 'text/plain');
    res.end(name);
  });
}

function get(
  port: number,
  path: string,
  options: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: 'localhost',
        ca: readFileSync(join(dir, 'ca', 'ca.crt')),
        headers: { Host: `localhost:${port}`, ...options.headers },
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            authorized: (res.socket as TLSSocket).authorized,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function plainGet(port: number, path: string, host: string, address = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: address, port, path, headers: { Host: host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function servedBy(count: number): Promise<Set<string>> {
  const names = new Set<string>();
  for (let i = 0; i < count; i++) names.add((await get(ports.https, '/api/who')).body);
  return names;
}

// `npm run test:full` and CI insist on Caddy; a developer machine without it skips this file with
// the instruction printed, like the Chromium specs (prerequisites.ts).
const MISSING = existsSync(CADDY)
  ? undefined
  : `${CADDY} is missing: run \`bash .ci/checks/caddy.sh\` (apt-get install caddy) or set CADDY_PATH`;
const describeCaddy = (name: string, fn: () => void): void => describeWhen(MISSING, name, fn);

describeCaddy('docker/caddy/Caddyfile under a real Caddy', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'caddy-front-'));
    const made = spawnSync('/bin/sh', [join(ROOT, 'docker/tls-init/make-tls.sh')], {
      env: { ...process.env, TLS_ROOT: dir },
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`make-tls.sh failed: ${made.stderr}`);

    const app1 = await listen(replica('app1'));
    const app2 = await listen(replica('app2'));
    const mailpit = await listen(createHttpServer((_req, res) => res.end('mailpit web UI')));
    ports.https = await freePort();
    ports.http = await freePort();
    ports.mail = await freePort();
    ports.health = await freePort();

    let config = readFileSync(join(ROOT, 'docker/caddy/Caddyfile'), 'utf8');
    const substitute = (from: string | RegExp, to: string): void => {
      const next = config.replace(from, to);
      if (next === config) throw new Error(`the Caddyfile no longer contains ${String(from)}`);
      config = next;
    };
    substitute(/\/run\/tls\//g, `${dir}/proxy/`);
    substitute(
      'reverse_proxy app1:3000 app2:3000',
      `reverse_proxy 127.0.0.1:${app1} 127.0.0.1:${app2}`,
    );
    substitute('reverse_proxy mailpit:8025', `reverse_proxy 127.0.0.1:${mailpit}`);
    substitute('https://localhost:8025 {', `https://localhost:${ports.mail} {`);
    substitute('https://localhost {', `https://localhost:${ports.https} {`);
    substitute('http://127.0.0.1:8081 {', `http://127.0.0.1:${ports.health} {`);
    substitute('health_interval 10s', 'health_interval 1s');
    substitute(/^\{$/m, `{\n\thttp_port ${ports.http}\n\thttps_port ${ports.https}`);
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, config);

    caddy = spawn(CADDY, ['run', '--adapter', 'caddyfile', '--config', file], {
      env: { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    caddy.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    for (let i = 0; i < 100; i++) {
      const up = await plainGet(ports.health, '/healthz', `127.0.0.1:${ports.health}`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      if (caddy.exitCode !== null || i === 99) throw new Error(`Caddy did not start:\n${log}`);
      await sleep(100);
    }
    // Let the first active health checks pass before anything is asked.
    await sleep(1500);
  }, 60_000);

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      caddy.kill('SIGTERM');
      await once(caddy, 'exit');
    }
    for (const s of servers) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  jest.setTimeout(30_000);

  it('serves the replicas over HTTPS with the tls-init certificate, verified for localhost', async () => {
    const r = await get(ports.https, '/api/anything');
    expect(r.authorized).toBe(true);
    expect(r.status).toBe(200);
    expect(['app1', 'app2']).toContain(r.body);
  });

  it("sets X-Forwarded-For from the connection, replacing the client's, and X-Forwarded-Proto https", async () => {
    seen.length = 0;
    await get(ports.https, '/sign-in', {
      localAddress: '127.0.0.2',
      headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'http' },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['x-forwarded-for']).toBe('127.0.0.2');
    expect(seen[0].headers['x-forwarded-proto']).toBe('https');
    expect(seen[0].headers.host).toBe(`localhost:${ports.https}`);
  });

  it("passes the app's HSTS once and adds no header of its own (no Server, no Alt-Svc)", async () => {
    const r = await get(ports.https, '/account');
    expect(r.headers['strict-transport-security']).toBe(HSTS);
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['alt-svc']).toBeUndefined();
    expect(r.headers.via).toBeUndefined();
  });

  it('alternates between the two replicas', async () => {
    expect(await servedBy(4)).toEqual(new Set(['app1', 'app2']));
  });

  it('takes a replica whose readiness fails out of the rotation, and back when it passes', async () => {
    ready.set('app1', false);
    await sleep(2500);
    expect(await servedBy(6)).toEqual(new Set(['app2']));
    ready.set('app1', true);
    await sleep(2500);
    expect(await servedBy(4)).toEqual(new Set(['app1', 'app2']));
  });

  it('redirects plain HTTP, whatever the host name, to https://localhost', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const r = await plainGet(ports.http, '/verify-email?x=1', host);
      expect([301, 308]).toContain(r.status);
      expect(r.headers.location).toBe('https://localhost/verify-email?x=1');
    }
  });

  it("serves Mailpit's web UI on its own HTTPS site", async () => {
    const r = await get(ports.mail, '/');
    expect(r.authorized).toBe(true);
    expect(r.body).toBe('mailpit web UI');
  });

  it('answers its health check on the loopback address only', async () => {
    expect((await plainGet(ports.health, '/healthz', `127.0.0.1:${ports.health}`)).status).toBe(
      200,
    );
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.2', port: ports.health }, () => {
        socket.end();
        resolve('connected');
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
