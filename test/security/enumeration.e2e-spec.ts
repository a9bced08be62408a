import { expectUniformError } from '../support/error-body';
import request from 'supertest';
import {
  bearer,
  loginAdmin,
  register,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { mannWhitneyZ, median, startSecurityApp } from './security-helpers';

/**
 * Account enumeration through login (issue "Proof", adversarial suite 5): an unknown email, a
 * wrong password and a deactivated account answer identically (status, headers, body minus
 * requestId) and take the same time. BCRYPT_ROUNDS is 10 here so that the bcrypt work dominates
 * the noise of a loaded CI machine.
 */

const TRIES = 30;
/** Generous: the medians may differ by less than 50 % of the smaller one. */
const MAX_MEDIAN_RATIO = 1.5;

describe('login does not reveal whether an account exists', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let active: TestUser;
  let deactivated: TestUser;
  let unknownEmail: string;

  beforeAll(async () => {
    t = await startSecurityApp({ BCRYPT_ROUNDS: '10' });
    admin = await loginAdmin(t);
    active = await register(t);
    deactivated = await register(t);
    const off = await request(t.url)
      .patch(`/api/users/${deactivated.id}`)
      .set(...bearer(admin.accessToken))
      .send({ isActive: false });
    expect(off.status).toBe(200);
    expect(off.body.isActive).toBe(false);
    unknownEmail = `nobody.${Date.now().toString(36)}@example.org`;
  }, 60_000);
  afterAll(() => t.close());

  type Case =
    | 'unknown email'
    | 'wrong password'
    | 'deactivated, right password'
    | 'deactivated, wrong password';
  const attempt = (which: Case): request.Test => {
    const body = {
      'unknown email': { email: unknownEmail, password: active.password },
      'wrong password': { email: active.email, password: `${active.password}x` },
      'deactivated, right password': { email: deactivated.email, password: deactivated.password },
      'deactivated, wrong password': {
        email: deactivated.email,
        password: `${deactivated.password}x`,
      },
    }[which];
    return request(t.url).post('/api/auth/login').set('User-Agent', 'enumeration-spec').send(body);
  };
  const CASES: Case[] = [
    'unknown email',
    'wrong password',
    'deactivated, right password',
    'deactivated, wrong password',
  ];

  it('control: the active account logs in with its password', async () => {
    const res = await request(t.url)
      .post('/api/auth/login')
      .send({ email: active.email, password: active.password });
    expect(res.status).toBe(200);
  });

  it('every failure answers with the same status, headers and body (minus requestId)', async () => {
    const shapes = [];
    for (const which of CASES) {
      const res = await attempt(which);
      expectUniformError(res, 401);
      const { requestId, ...rest } = res.body as Record<string, unknown>;
      expect(requestId).toBe(res.headers['x-request-id']);
      const headers = Object.keys(res.headers)
        .filter(
          (h) =>
            ![
              'date',
              'x-request-id',
              'content-length',
              'ratelimit-reset',
              'ratelimit-remaining',
            ].includes(h),
        )
        .sort()
        .map((h) => `${h}: ${String(res.headers[h])}`);
      // The body length differs only through the request id, which is always a UUID here.
      shapes.push({
        status: res.status,
        body: rest,
        headers,
        length: res.text.length - String(requestId).length,
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    for (const shape of shapes.slice(1)) expect(shape).toEqual(shapes[0]);
  });

  it('differences in case and surrounding space of an unknown or known email change nothing', async () => {
    const a = await request(t.url)
      .post('/api/auth/login')
      .send({ email: `  ${unknownEmail.toUpperCase()} `, password: 'Wrong-password-1' });
    const b = await request(t.url)
      .post('/api/auth/login')
      .send({ email: `  ${active.email.toUpperCase()} `, password: 'Wrong-password-1' });
    expectUniformError(a, 401);
    expectUniformError(b, 401);
    expect({ ...a.body, requestId: undefined }).toEqual({ ...b.body, requestId: undefined });
  });

  it(`the failures take the same time (medians of ${TRIES} interleaved tries within ${MAX_MEDIAN_RATIO}x)`, async () => {
    // Warm-up: JIT, connection pool, bcrypt thread pool.
    for (const which of CASES) await attempt(which);
    const times: Record<Case, number[]> = {
      'unknown email': [],
      'wrong password': [],
      'deactivated, right password': [],
      'deactivated, wrong password': [],
    };
    for (let i = 0; i < TRIES; i += 1) {
      // Interleaved, with the order rotated each round, so drift on the machine hits every case alike.
      for (let k = 0; k < CASES.length; k += 1) {
        const which = CASES[(i + k) % CASES.length];
        const started = process.hrtime.bigint();
        const res = await attempt(which);
        times[which].push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(res.status).toBe(401);
      }
    }
    const medians = Object.fromEntries(
      CASES.map((c) => [c, Math.round(median(times[c]) * 10) / 10]),
    );
    const values = Object.values(medians);
    const ratio = Math.max(...values) / Math.min(...values);
    // Printed so that a failure (or a near miss) shows the numbers.
    process.stdout.write(
      `login failure medians (ms): ${JSON.stringify(medians)} ratio ${ratio.toFixed(2)}\n`,
    );
    // The bcrypt cost must actually be present on every path (a short-circuit would be ~1 ms).
    for (const value of values) expect(value).toBeGreaterThan(10);
    expect(ratio).toBeLessThan(MAX_MEDIAN_RATIO);

    // A rank check on top of the medians (Mann–Whitney U, normal approximation): the unknown-email
    // times must not be systematically faster or slower than the wrong-password ones.
    const z = mannWhitneyZ(times['unknown email'], times['wrong password']);
    process.stdout.write(`Mann–Whitney z (unknown email vs wrong password): ${z.toFixed(2)}\n`);
    expect(Math.abs(z)).toBeLessThan(4); // generous: |z| > 4 is a near-certain systematic difference
  }, 60_000);
});

/**
 * After a BCRYPT_ROUNDS change the accounts keep their old cost until they log in again. The
 * comparison for an unknown email must cost what a stored hash costs, or timing tells which
 * emails have accounts (review finding 12).
 */
describe('login timing after a BCRYPT_ROUNDS change', () => {
  let db: TestDatabase;
  let t: TestApp;
  let known: TestUser;
  beforeAll(async () => {
    db = await createTestDatabase();
    const before = await startSecurityApp({ BCRYPT_ROUNDS: '11' }, db);
    known = await register(before);
    await register(before);
    // Rows that hold no bcrypt hash (written by hand, say) outnumber the real ones: the typical
    // cost must still come from the bcrypt hashes alone.
    for (const i of [1, 2, 3])
      await sql(
        before,
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, 'not-a-bcrypt-hash')`,
        [`hand.${i}.${Date.now()}@example.org`, `hand_${i}_${Date.now() % 100000}`],
      );
    await before.close();
    t = await startSecurityApp({ BCRYPT_ROUNDS: '9' }, db);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('an unknown email costs what a stored (older, costlier) hash costs', async () => {
    const unknown = () =>
      request(t.url)
        .post('/api/auth/login')
        .send({ email: `nobody.${Date.now()}@example.org`, password: 'Wrong-password-1!' });
    const wrong = () =>
      request(t.url)
        .post('/api/auth/login')
        .send({ email: known.email, password: 'Wrong-password-1!' });
    const times = { unknown: [] as number[], wrong: [] as number[] };
    await unknown();
    await wrong();
    for (let i = 0; i < 12; i++) {
      for (const [which, send] of i % 2
        ? ([
            ['wrong', wrong],
            ['unknown', unknown],
          ] as const)
        : ([
            ['unknown', unknown],
            ['wrong', wrong],
          ] as const)) {
        const started = process.hrtime.bigint();
        expect((await send()).status).toBe(401);
        times[which].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const ratio = median(times.wrong) / median(times.unknown);
    process.stdout.write(
      `after a cost change: wrong password ${median(times.wrong).toFixed(1)} ms, unknown email ${median(times.unknown).toFixed(1)} ms\n`,
    );
    expect(ratio).toBeGreaterThan(1 / MAX_MEDIAN_RATIO);
    expect(ratio).toBeLessThan(MAX_MEDIAN_RATIO);
  }, 60_000);
});
