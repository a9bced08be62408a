import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Client } from 'pg';
import { join } from 'node:path';
import { withDevSecrets } from '../../src/config/dev-secrets';
import { KEY_REFRESH_MS, TokenKeys } from '../../src/signing-keys/token-keys.service';
import { RELAXED_LIMITS } from '../support/auth-helpers';
import {
  freePort,
  spawnApp,
  spawnedTestEnv,
  waitForStatus,
  type SpawnedApp,
} from '../support/spawn-app';
import { createMigratedDatabase, startTestApp, type TestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';
import {
  call,
  jwksOf,
  kidOf,
  me,
  refresh,
  resignEdDsa,
  signUp,
  tokensOf,
  type Instance,
} from './instance-client';
import { sessionLoad, unexpected } from './session-load';

// Jest 30 applies only a global testTimeout: the e2e project's 30 s never reaches the runner.
jest.setTimeout(120_000);

/**
 * Shorter than KEY_REFRESH_MS on purpose: the other instance has not re-read the table when the
 * new key starts signing, so its first token from the new key names a kid it does not hold, and it
 * must read the table again before answering (never a 401 for a live session). The production
 * default is 10m.
 */
const PUBLISH_AHEAD = '3s';

const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunningInstance extends Instance {
  process: SpawnedApp;
}

/** What every process of this deployment is given: `db`, and the DATA_DIR (dev secrets) all share. */
function deploymentEnv(port: number, db: TestDatabase, dir: string, name: string) {
  return spawnedTestEnv(port, dir, db, {
    ...RELAXED_LIMITS,
    BCRYPT_ROUNDS: '4',
    JWT_KEY_PUBLISH_AHEAD: PUBLISH_AHEAD,
    LOG_DIR: join(dir, `logs-${name}`),
  });
}

/** `node dist/main.js`, one instance of the deployment. */
async function startInstance(
  name: string,
  db: TestDatabase,
  dir: string,
): Promise<RunningInstance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = spawnApp(deploymentEnv(port, db, dir, name));
  await waitForStatus(`${url}/health/ready`, 200, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${app.output()}`);
  });
  return { name, url, process: app };
}

/** `node dist/cli/main.js rotate-signing-key …` against the deployment; its stdout, or it throws. */
async function rotateSigningKey(db: TestDatabase, dir: string, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'rotate-signing-key', ...args], {
    env: { PATH: process.env.PATH ?? '', ...deploymentEnv(0, db, dir, 'cli') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`rotate-signing-key exited ${code}: ${output}`);
  return output;
}

async function stopInstance(instance: RunningInstance | undefined): Promise<void> {
  if (!instance || instance.process.child.exitCode !== null) return;
  instance.process.child.kill('SIGTERM');
  await instance.process.exited;
}

describe('two instances of the service on one database', () => {
  let db: TestDatabase;
  let a: RunningInstance;
  let b: RunningInstance;
  let dir: string;
  /** A third instance, in this process: it holds the keys as decrypted KeyObjects, as a thief would. */
  let keyHolder: TestApp;
  let firstStart: {
    kids: string[];
    tokens: Array<{ accessToken: string }>;
    jwks: Array<Array<{ kid: string }>>;
  };

  beforeAll(async () => {
    // Migrated as the release step does, with no app start: no signing key exists yet.
    db = await createMigratedDatabase();
    dir = join(tmpdir(), `snf-app-${db.name}`);
    // The deployment's secrets (the field cipher's key among them), made once before any instance
    // starts, as a deployment is given them: two first starts would each generate their own.
    withDevSecrets({}, join(dir, 'data'));
    [a, b] = await Promise.all([startInstance('A', db, dir), startInstance('B', db, dir)]);
    // What the first start made, seen before any test rotates (the tests run in any order).
    firstStart = {
      kids: await liveKids(db),
      tokens: await Promise.all([signUp(a), signUp(b)]),
      jwks: await Promise.all([jwksOf(a), jwksOf(b)]),
    };
    keyHolder = await startTestApp({ JWT_KEY_PUBLISH_AHEAD: PUBLISH_AHEAD }, db);
  });

  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await keyHolder?.close();
    await db?.drop();
  });

  it('started together on an empty key table: one signing key, both sign with it and publish the same JWKS', () => {
    const { kids, tokens, jwks } = firstStart;
    expect(kids).toHaveLength(1);
    expect(tokens.map((token) => kidOf(token.accessToken))).toEqual([kids[0], kids[0]]);
    expect(jwks[0]).toEqual(jwks[1]);
    expect(jwks[0].map(({ kid }) => kid)).toEqual(kids);
  });

  it('a token minted by one verifies on the other, both ways, and either spends the other’s refresh token', async () => {
    const [onA, onB] = await Promise.all([signUp(a), signUp(b)]);
    const [meOnB, meOnA] = await Promise.all([me(b, onA.accessToken), me(a, onB.accessToken)]);
    expect([meOnB.status, meOnA.status]).toEqual([200, 200]);
    expect(meOnB.body.id).not.toBe(meOnA.body.id);

    const session = await call(b, 'GET', '/api/auth/session', { token: onA.accessToken });
    expect(session.status).toBe(200);
    expect(session.body.sub).toBe(meOnB.body.id);

    const renewed = await refresh(b, onA.refreshToken);
    expect(renewed.status).toBe(200);
    expect((await me(a, tokensOf(renewed).accessToken)).status).toBe(200);
  });

  it('a rotation under load: no live session sees a 401, and new tokens come from the new key on both', async () => {
    await keysSettled(db);
    const publishedBefore = (await jwksOf(a)).map(({ kid }) => kid);
    const sessions = await Promise.all([signUp(a), signUp(b), signUp(a), signUp(b)]);
    const oldKid = kidOf(sessions[0].accessToken);
    const load = sessionLoad([a, b], sessions);
    await sleep(1_000);
    const printed = await rotateSigningKey(db, dir);
    const [, newKid, signsAt] =
      /^new key (\S+) published; it signs from (\S+)$/m.exec(printed) ?? [];
    const signsFrom = Date.parse(signsAt);
    // An instance that has not read the new key yet signs with the old one (still valid) until its
    // next read: at most KEY_REFRESH_MS past the start.
    const agreedBy = signsFrom + KEY_REFRESH_MS + 1_000;
    while (Date.now() < agreedBy + 4_000) await sleep(200);
    const { reads, mints } = await load.stop();

    expect(newKid).toBeDefined();
    expect(unexpected(reads)).toEqual({});
    expect(unexpected(mints)).toEqual({});
    expect(reads.length).toBeGreaterThan(200);
    for (const instance of [a, b]) {
      const minted = mints.filter((m) => m.instance === instance.name);
      // Published ahead: nothing signs with the new key before its time, everything once read.
      expect(new Set(minted.filter((m) => m.at < signsFrom - 500).map((m) => m.kid))).toEqual(
        new Set([oldKid]),
      );
      expect(new Set(minted.filter((m) => m.at > agreedBy).map((m) => m.kid))).toEqual(
        new Set([newKid]),
      );
      const verified = new Set(reads.filter((r) => r.instance === instance.name).map((r) => r.kid));
      expect(verified).toEqual(new Set([oldKid, newKid]));
    }
    const [jwksA, jwksB] = await Promise.all([jwksOf(a), jwksOf(b)]);
    expect(jwksA).toEqual(jwksB);
    expect(jwksA.map(({ kid }) => kid).sort()).toEqual([...publishedBefore, newKid].sort());
    expect(publishedBefore).toContain(oldKid);
  });

  it('a compromised key revoked by the CLI stops verifying on every instance within KEY_REFRESH_MS', async () => {
    await keysSettled(db);
    const keys = keyHolder.app.get(TokenKeys);
    await keys.refresh();
    const compromised = keys.signingKey();
    const holder = await signUp(a);
    expect(kidOf(holder.accessToken)).toBe(compromised.kid);

    const printed = await rotateSigningKey(db, dir, ['--compromised']);
    const [, revokedKid, newKid, ended] =
      /^revoked key (\S+); key (\S+) signs now; sessions ended: (\d+)$/m.exec(printed) ?? [];
    expect(revokedKid).toBe(compromised.kid);
    expect(Number(ended)).toBeGreaterThanOrEqual(1);
    const revokedAt = await revocationTime(db, revokedKid);
    // Every session that held a token of the key is over, on every instance, at once.
    expect((await me(a, holder.accessToken)).status).toBe(401);
    expect((await me(b, holder.accessToken)).status).toBe(401);

    // A live session's claims signed with the stolen key: only the kid check can refuse it.
    const live = await signUp(b);
    const forged = resignEdDsa(live.accessToken, compromised.kid, compromised.signingKey);
    const refusedAfter: Record<string, number> = {};
    await Promise.all(
      [a, b].map(async (instance) => {
        while (Date.now() - revokedAt < KEY_REFRESH_MS + 3_000) {
          if ((await me(instance, forged)).status === 401) break;
          await sleep(100);
        }
        refusedAfter[instance.name] = Date.now() - revokedAt;
      }),
    );
    expect(refusedAfter.A).toBeLessThanOrEqual(KEY_REFRESH_MS + 1_000);
    expect(refusedAfter.B).toBeLessThanOrEqual(KEY_REFRESH_MS + 1_000);

    // The session itself is live: a fresh token, from the new key, works everywhere.
    const renewed = await refresh(a, live.refreshToken);
    expect(renewed.status).toBe(200);
    expect(kidOf(tokensOf(renewed).accessToken)).toBe(newKid);
    for (const instance of [a, b])
      expect((await me(instance, tokensOf(renewed).accessToken)).status).toBe(200);
    const [jwksA, jwksB] = await Promise.all([jwksOf(a), jwksOf(b)]);
    expect(jwksA).toEqual(jwksB);
    expect(jwksA.map(({ kid }) => kid)).not.toContain(compromised.kid);
  });

  it('two rotate-signing-key runs at once: the lock lets one make the next key, the other finds it waiting', async () => {
    await keysSettled(db);
    const keysBefore = await keyCount(db);
    // The lock every key change takes, held here so both runs are seen queued on it, then let go.
    const holder = db.admin();
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`);
    const runs = Promise.all([rotateSigningKey(db, dir), rotateSigningKey(db, dir)]);
    let queued: number;
    try {
      queued = await advisoryLockWaiters(holder, 2);
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    const printed = (await runs).join('');
    expect(queued).toBe(2);
    const [, made] = /^new key (\S+) published/m.exec(printed) ?? [];
    const [, found] = /^key (\S+) is already waiting/m.exec(printed) ?? [];
    expect(made).toBeDefined();
    expect(found).toBe(made);
    expect(await keyCount(db)).toBe(keysBefore + 1);
  });
});

/** When the database marked `kid` revoked (epoch ms; the database and this process share a clock). */
async function revocationTime(db: TestDatabase, kid: string): Promise<number> {
  const owner = db.owner();
  await owner.connect();
  try {
    const { rows } = await owner.query<{ revoked_at: Date }>(
      'SELECT revoked_at FROM signing_keys WHERE kid = $1',
      [kid],
    );
    return rows[0].revoked_at.getTime();
  } finally {
    await owner.end();
  }
}

/** The unrevoked keys' ids, oldest first. */
async function liveKids(db: TestDatabase): Promise<string[]> {
  const owner = db.owner();
  await owner.connect();
  try {
    const { rows } = await owner.query<{ kid: string }>(
      'SELECT kid FROM signing_keys WHERE revoked_at IS NULL ORDER BY signs_from',
    );
    return rows.map((row) => row.kid);
  } finally {
    await owner.end();
  }
}

/**
 * Until another test's key change has settled everywhere: no key waits to sign, and the signing key
 * has signed for longer than KEY_REFRESH_MS, so every instance has read it.
 */
async function keysSettled(db: TestDatabase): Promise<void> {
  const owner = db.owner();
  await owner.connect();
  try {
    for (;;) {
      const { rows } = await owner.query<{ waiting: number; signing_for_ms: number }>(
        `SELECT count(*) FILTER (WHERE signs_from > now())::int AS waiting,
                extract(epoch FROM now() - max(signs_from) FILTER (WHERE signs_from <= now())) * 1000
                  AS signing_for_ms
           FROM signing_keys WHERE revoked_at IS NULL`,
      );
      if (rows[0].waiting === 0 && Number(rows[0].signing_for_ms) > KEY_REFRESH_MS + 1_000) return;
      await sleep(250);
    }
  } finally {
    await owner.end();
  }
}

async function keyCount(db: TestDatabase): Promise<number> {
  const owner = db.owner();
  await owner.connect();
  try {
    const { rows } = await owner.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM signing_keys',
    );
    return rows[0].n;
  } finally {
    await owner.end();
  }
}

/** How many other backends wait on an advisory lock, polled until `wanted` do (at most 30 s). */
async function advisoryLockWaiters(observer: Client, wanted: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event = 'advisory' AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n >= wanted || Date.now() > deadline) return rows[0].n;
    // Inside the holder's transaction pg_stat_activity is a snapshot: drop it before the next read.
    await observer.query('SELECT pg_stat_clear_snapshot()');
    await sleep(100);
  }
}
