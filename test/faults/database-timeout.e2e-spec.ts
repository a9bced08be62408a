import request from 'supertest';
import { RELAXED_LIMITS, bearer, registerAndLogin } from '../support/auth-helpers';
import { errorBodyProblems } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

const STATEMENT_TIMEOUT_MS = 1_500;

/**
 * `users` locked (a long migration, a stuck transaction): no request waits on the database longer
 * than DB_STATEMENT_TIMEOUT_MS; it answers 503 with Retry-After, and liveness stays fast.
 */
describe('a locked table', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    });
  });
  afterAll(() => t.close());

  it('bounds the wait at DB_STATEMENT_TIMEOUT_MS with a 503, keeps /health/live fast, and recovers', async () => {
    const { accessToken } = await registerAndLogin(t);
    const locker = t.db.admin();
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const me = request(t.url)
        .get('/api/users/me')
        .set(...bearer(accessToken));
      await new Promise((r) => setTimeout(r, 200));
      const liveStarted = Date.now();
      await request(t.url).get('/health/live').expect(200);
      expect(Date.now() - liveStarted).toBeLessThan(500);
      const res = await me;
      const waited = Date.now() - started;
      expect(res.status).toBe(503);
      expect(errorBodyProblems(res)).toEqual([]);
      expect(res.headers['retry-after']).toBe('5');
      expect(waited).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 100);
      expect(waited).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_500);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    await request(t.url)
      .get('/api/users/me')
      .set(...bearer(accessToken))
      .expect(200);
  });
});
