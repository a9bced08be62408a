import { readFileSync, readdirSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { newUser } from '../support/auth-helpers';
import {
  freePort,
  productionEnv,
  spawnApp,
  waitForStatus,
  type SpawnedApp,
} from '../support/spawn-app';
import { createMigratedDatabase } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request over `agent`; a connection cut before the answer rejects. */
function send(
  base: string,
  method: string,
  path: string,
  body?: object,
  agent?: Agent,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = httpRequest(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(payload
            ? {
                'Content-Type': 'application/json',
                'Content-Length': String(Buffer.byteLength(payload)),
              }
            : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Postmasters still running on a data directory under `dir`. */
function postmastersUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return cmdline[0].endsWith('postgres') && cmdline.some((arg) => arg.startsWith(dir));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** An answer with the time it arrived. */
const answeredAt = <T extends object>(answer: T): T & { at: number } => ({
  ...answer,
  at: Date.now(),
});

/**
 * How many statements of the app wait on a lock, polled until one does (at most 5 s). The
 * snapshot pg_stat_activity takes inside a transaction is dropped before each read.
 */
async function waitingOnLocks(observer: Client): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    await observer.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n > 0 || Date.now() > deadline) return rows[0].n;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function registerUser(base: string): Promise<ReturnType<typeof newUser>> {
  const user = newUser();
  const res = await send(base, 'POST', '/api/auth/register', user);
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.body}`);
  return user;
}

describe('SIGTERM drains requests in flight, then stops', () => {
  it('with the embedded database: every login in flight answers 200, the database stops last, exit 0', async () => {
    const dataDir = tmp('snf-shutdown-data-');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = spawnApp({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_DIR: tmp('snf-shutdown-logs-'),
      BCRYPT_ROUNDS: '12',
      AUTH_RATE_LIMIT_MAX: '1000',
      LOGIN_FAILURE_MAX: '1000',
    });
    await waitForStatus(`${base}/health/ready`, 200, 45_000);
    const user = await registerUser(base);
    const logins = Array.from({ length: 12 }, () =>
      send(base, 'POST', '/api/auth/login', { email: user.email, password: user.password }).then(
        answeredAt,
      ),
    );
    await new Promise((r) => setTimeout(r, 150)); // bcrypt at cost 12, three at a time: ~1 s
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    const answers = await Promise.all(logins);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    // The drain is proven only by logins that were still in flight when the signal landed.
    expect(answers.filter((a) => a.at > signalledAt).length).toBeGreaterThanOrEqual(6);
    expect(await app.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(postmastersUnder(dataDir)).toEqual([]);
    expect(app.output()).toMatch(/shutting down[\s\S]*http server closed[\s\S]*\bstopped\b/);
  }, 90_000);

  describe('with an external database, in production', () => {
    let db: TestDatabase;
    let app: SpawnedApp;
    let base: string;
    beforeEach(async () => {
      db = await createMigratedDatabase();
    }, 60_000);

    async function start(shutdownTimeoutMs: number): Promise<void> {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      app = spawnApp({
        ...productionEnv(db, port, tmp('snf-shutdown-logs-')),
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
        AUTH_RATE_LIMIT_MAX: '1000',
        LOGIN_FAILURE_MAX: '1000',
        // Its accounts are registered over HTTP and never verify their (unreachable) addresses.
        REQUIRE_VERIFIED_EMAIL: 'false',
      });
      await waitForStatus(`${base}/health/ready`, 200, 30_000);
    }
    afterEach(async () => {
      if (app?.child.exitCode === null) app.child.kill('SIGKILL');
      await db.drop();
    });

    it('answers everything in flight on keep-alive connections, closes them, and exits 0 in time', async () => {
      // Six logins at cost 12 take about 1 s on two cores (several under a loaded machine): the
      // drain's share (timeout minus the teardown's reserve) must cover them.
      await start(8_000);
      const agent = new Agent({ keepAlive: true, maxSockets: 16 });
      const user = await registerUser(base);
      for (let i = 0; i < 4; i++) await send(base, 'GET', '/health/live', undefined, agent); // idle keep-alive sockets
      const logins = Array.from({ length: 6 }, () =>
        send(
          base,
          'POST',
          '/api/auth/login',
          { email: user.email, password: user.password },
          agent,
        ).then(answeredAt),
      );
      await new Promise((r) => setTimeout(r, 150));
      const signalledAt = Date.now();
      app.child.kill('SIGTERM');
      const answers = await Promise.all(logins);
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
      expect(answers.filter((a) => a.at > signalledAt).length).toBeGreaterThanOrEqual(3);
      expect(answers.every((a) => a.headers.connection === 'close')).toBe(true);
      expect(await app.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(8_000);
      await expect(send(base, 'GET', '/health/live')).rejects.toThrow(/ECONNREFUSED/);
      agent.destroy();
    }, 30_000);

    it('does not wait past SHUTDOWN_TIMEOUT_MS for a request that cannot finish', async () => {
      await start(3_000);
      const owner = db.admin();
      await owner.connect();
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE'); // statement timeout is 10 s
      try {
        const stuck = send(base, 'POST', '/api/auth/login', {
          email: 'x@example.org',
          password: 'Some-Password-1!',
        }).then(
          (a) => a.status,
          (e: Error) => e.message,
        );
        // The login is known to be stuck behind the lock before the signal is sent.
        await expect(waitingOnLocks(owner)).resolves.toBe(1);
        const signalledAt = Date.now();
        app.child.kill('SIGTERM');
        expect(await app.exited).toBe(0);
        const took = Date.now() - signalledAt;
        // The drain gives up at its share of SHUTDOWN_TIMEOUT_MS (3 s), the teardown takes the rest.
        expect(took).toBeGreaterThanOrEqual(1_800);
        expect(took).toBeLessThan(3_000 + 1_500);
        expect(await stuck).toMatch(/socket hang up|ECONNRESET/);
        expect(app.output()).toMatch(/"forcedConnections":1/);
      } finally {
        await owner.query('ROLLBACK').catch(() => undefined);
        await owner.end();
      }
    }, 30_000);
  });
});
