import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnApp, waitForStatus, type SpawnedApp } from '../support/spawn-app';

/** `npm start` without configuration: the embedded TLS PostgreSQL in DATA_DIR, started and stopped with the app. */
describe('zero-config start with the embedded PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-start-'));
  chmodSync(dir, 0o711); // the postgres user must traverse it, as with any DATA_DIR
  const dataDir = join(dir, 'data');
  let port = 0;
  // Time to readiness is generous: a warm start takes a few seconds, but CI machines are shared.
  const READY_MS = 30_000;
  const started: SpawnedApp[] = [];
  const start = (): SpawnedApp => {
    port = 20_000 + Math.floor(Math.random() * 20_000);
    const app = spawnApp({
      DATA_DIR: dataDir,
      LOG_DIR: join(dir, 'logs'),
      PORT: String(port),
      BCRYPT_ROUNDS: '4',
    });
    started.push(app);
    return app;
  };
  // A failed expectation must not leave an app (and its cluster) running into the next test.
  afterEach(async () => {
    for (const app of started.splice(0)) {
      if (app.child.exitCode === null && app.child.signalCode === null) {
        app.child.kill('SIGINT');
        await app.exited;
      }
    }
  });
  const postgresAlive = (): boolean => {
    const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    return out.split('\n').some((line) => line.includes(join(dataDir, 'postgres')));
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A cluster in DATA_DIR, as a first start leaves it (a sibling test may already have made one). */
  async function ensureCluster(): Promise<void> {
    if (existsSync(join(dataDir, 'postgres', 'PG_VERSION'))) return;
    const first = start();
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, READY_MS);
    first.child.kill('SIGINT');
    await first.exited;
  }

  // First start and next start are one story: the second half needs what the first made.
  it('initialises the cluster on first start and is ready, stops PostgreSQL on SIGINT, and reuses the cluster on the next start', async () => {
    rmSync(dataDir, { recursive: true, force: true }); // a first start, whatever ran before
    const app = start();
    const ms = await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 30_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${app.output()}`);
      },
    );
    expect(ms).toBeLessThan(30_000);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'postgres', 'server.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'postgres', 'pg_hba.conf'), 'utf8').trim()).toBe(
      'hostssl all all 127.0.0.1/32 scram-sha-256',
    );
    expect(postgresAlive()).toBe(true);
    // The migrations ran: an account can be created through the API of the built app.
    const registered = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'first@example.org',
        username: 'first_user',
        password: 'Violet-Harbor-Lamp-42',
        birthDate: '1990-01-01',
      }),
    });
    expect(registered.status).toBe(201);
    app.child.kill('SIGINT');
    await app.exited;
    expect(postgresAlive()).toBe(false);

    const secrets = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    const next = start();
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, READY_MS);
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secrets);
    // The account made on the first start is there: the same cluster, not a new one.
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'first@example.org', password: 'Violet-Harbor-Lamp-42' }),
    });
    expect(login.status).toBe(200);
    next.child.kill('SIGTERM');
    await next.exited;
    expect(postgresAlive()).toBe(false);
  }, 120_000);

  it('recovers from a stale postmaster.pid left by a crash', async () => {
    await ensureCluster();
    writeFileSync(join(dataDir, 'postgres', 'postmaster.pid'), '999999\n/nonexistent\n');
    const app = start();
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, READY_MS).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${app.output()}`);
      },
    );
    app.child.kill('SIGINT');
    await app.exited;
    expect(postgresAlive()).toBe(false);
  }, 60_000);

  it('stops a postmaster orphaned by a killed app, then starts normally', async () => {
    const first = start();
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, READY_MS);
    first.child.kill('SIGKILL'); // no shutdown hooks: PostgreSQL survives its parent
    await first.exited;
    expect(postgresAlive()).toBe(true);
    const second = start();
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, READY_MS).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${second.output()}`);
      },
    );
    second.child.kill('SIGINT');
    await second.exited;
    expect(postgresAlive()).toBe(false);
  }, 90_000);

  it('refuses to take over a cluster that a running app is using', async () => {
    const owner = start();
    const ownerPort = port;
    await waitForStatus(`http://127.0.0.1:${ownerPort}/health/ready`, 200, READY_MS);
    const intruder = start();
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toMatch(/in use by process \d+/);
    await waitForStatus(`http://127.0.0.1:${ownerPort}/health/ready`, 200, 2_000);
    owner.child.kill('SIGINT');
    await owner.exited;
    expect(postgresAlive()).toBe(false);
  }, 90_000);
});
