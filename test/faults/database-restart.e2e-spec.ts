import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DeferredWork } from '../../src/account/deferred-work';
import { RetentionService } from '../../src/retention/retention.service';
import {
  RELAXED_LIMITS,
  bearer,
  login,
  register,
  registerAndLogin,
  sql,
} from '../support/auth-helpers';
import { errorBodyProblems } from '../support/error-body';
import { steadyLoad } from '../support/load';
import {
  privateTestDatabase,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';

const STATEMENT_TIMEOUT_MS = 2_000;

/**
 * PostgreSQL goes away for 3 s under a steady load of authenticated requests (docs/API.md "Faults and
 * shutdown"): every answer meanwhile is a 503 with Retry-After and the uniform body (never a 500,
 * never a hang), and the service recovers by itself once the database is back.
 */
describe('the database restarted under load', () => {
  let pg: PrivatePostgres;
  let t: TestApp;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const db = privateTestDatabase(pg);
    t = await startTestApp(
      { ...RELAXED_LIMITS, DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) },
      db,
    );
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await pg.close();
  });

  it('answers 503 with Retry-After while it is down and 200 again soon after it is back', async () => {
    const { accessToken } = await registerAndLogin(t);
    const load = steadyLoad(() =>
      request(t.url)
        .get('/api/users/me')
        .set(...bearer(accessToken))
        .timeout(STATEMENT_TIMEOUT_MS * 3),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const downAt = Date.now();
    await pg.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.start();
    const upAt = Date.now();
    let recoveredAt: number | undefined;
    for (let waited = 0; recoveredAt === undefined && waited < 20_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      recoveredAt = load.samples.find((s) => s.at > upAt && s.status === 200)?.at;
    }
    await new Promise((r) => setTimeout(r, 500));
    const samples = await load.stop();

    const statuses = [...new Set(samples.map((s) => s.status))].sort();
    expect(statuses).toEqual([200, 503]); // never a 500, never a dropped connection
    const refused = samples.filter((s) => s.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const sample of refused) {
      expect(sample.retryAfter).toMatch(/^\d+$/);
      expect(sample.at).toBeGreaterThanOrEqual(downAt - STATEMENT_TIMEOUT_MS);
    }
    const maxMs = Math.max(...samples.map((s) => s.ms));
    expect(maxMs).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_500); // no request hangs
    expect(recoveredAt).toBeDefined();
    expect((recoveredAt as number) - upAt).toBeLessThan(5_000);
    expect(
      samples.filter((s) => s.at > (recoveredAt as number) + 200).every((s) => s.status === 200),
    ).toBe(true);
  }, 60_000);

  it('a retention pass with the database away fails with a log line; the next one works', async () => {
    const retention = t.app.get(RetentionService);
    await pg.stop();
    try {
      await expect(retention.pruneAndLog()).resolves.toBeUndefined();
    } finally {
      await pg.start();
    }
    for (let waited = 0; waited < 20_000; waited += 200) {
      if ((await request(t.url).get('/health/ready')).status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await expect(retention.pruneAndLog()).resolves.toMatchObject({ sessions: expect.any(Number) });
  }, 60_000);

  it('the 503 carries the uniform error body', async () => {
    await pg.stop();
    try {
      const res = await request(t.url).get('/api/users/me').set('Authorization', 'Bearer x.y.z');
      // An invalid token is refused before the database is needed: 401 stays 401.
      expect(res.status).toBe(401);
      const ready = await request(t.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(errorBodyProblems(ready)).toEqual([]);
      const login = await request(t.url)
        .post('/api/auth/login')
        .send({ email: 'someone@example.org', password: 'Some-Password-1!' });
      expect(login.status).toBe(503);
      expect(errorBodyProblems(login)).toEqual([]);
      expect(login.headers['retry-after']).toBe('5');
    } finally {
      await pg.start();
    }
  }, 30_000);

  it('lifecycle, MFA and step-up routes answer 503 too; forgot keeps its 202 and works again once it is back', async () => {
    const user = await register(t);
    const session = await login(t, user);
    const token = randomBytes(32).toString('base64url');
    await pg.stop();
    try {
      const refused = await Promise.all([
        request(t.url).post('/api/auth/email/verify').send({ token }),
        request(t.url)
          .post('/api/auth/password/reset')
          .send({ token, newPassword: 'Fresh!Lamp-Harbor-42' }),
        request(t.url).post('/api/auth/mfa/verify').send({ mfaToken: token, code: '123456' }),
        request(t.url).post('/api/auth/passkeys/authentication/options').send({}),
        request(t.url)
          .post('/api/auth/step-up')
          .set(...bearer(session.accessToken))
          .send({ password: user.password }),
        // The admin route that ends a user's sessions: its session check already needs the database.
        request(t.url)
          .post(`/api/users/${user.id}/sessions/revoke`)
          .set(...bearer(session.accessToken))
          .send({}),
      ]);
      for (const res of refused) {
        expect(res.status).toBe(503);
        expect(errorBodyProblems(res)).toEqual([]);
      }
      // forgot answers before it touches the database (no timing oracle): the same 202, and its
      // deferred work fails with a log line rather than reaching the caller.
      const forgot = await request(t.url)
        .post('/api/auth/password/forgot')
        .send({ email: user.email });
      expect(forgot.status).toBe(202);
      await t.app.get(DeferredWork).drain();
    } finally {
      await pg.start();
    }
    const tokens = () =>
      sql<{ n: number }>(
        t,
        `SELECT count(*)::int AS n FROM account_tokens WHERE user_id = $1 AND purpose = 'password_reset'`,
        [user.id],
      );
    for (let waited = 0; waited < 20_000; waited += 200) {
      if ((await request(t.url).get('/health/ready')).status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The address's third mail this hour (registration, the lost forgot, this one): still allowed.
    await request(t.url).post('/api/auth/password/forgot').send({ email: user.email }).expect(202);
    await t.app.get(DeferredWork).drain();
    expect((await tokens())[0].n).toBe(1);
  }, 60_000);
});
