import request from 'supertest';
import { ReadinessService } from '../../src/health/readiness.service';
import { errorBodyProblems } from '../support/error-body';
import { startPrivateRedis, type PrivateRedis } from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Redis stopped under a running fleet (docs/API.md "Health and docs", "Faults and shutdown"): each
 * instance keeps serving, counting its limits in memory, stays ready (reporting "redis": "down") unless
 * REDIS_REQUIRED=true, and moves the counters back to Redis once it answers again.
 */
describe('readiness, and Redis going away', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let t: TestApp;
  let strict: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    const env = { REDIS_URL: redis.url, AUTH_RATE_LIMIT_MAX: '3', RATE_LIMIT_MAX: '100000' };
    t = await startTestApp(env, db);
    strict = await startTestApp({ ...env, REDIS_REQUIRED: 'true' }, db);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await strict.close();
    await db.drop();
    await redis.stop();
  });

  const ready = (app: TestApp) => request(app.url).get('/health/ready');
  const loginOnce = (app: TestApp) =>
    request(app.url)
      .post('/api/auth/login')
      .send({ email: `nobody.${Math.random()}@example.org`, password: 'Some-Password-1!' });

  /** Redis running and the app's connection back on it (a sibling test may have stopped it). */
  async function redisUp(): Promise<void> {
    await redis.start();
    for (let i = 0; i < 50 && (await ready(t)).body.redis !== 'up'; i++)
      await new Promise((r) => setTimeout(r, 200));
  }

  it('is ready with the database and Redis up, and says so', async () => {
    await redisUp();
    expect((await ready(t)).body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    await ready(strict).expect(200);
  });

  it('with Redis stopped: stays ready (redis: down), keeps limiting in memory; REDIS_REQUIRED makes it unready', async () => {
    await redis.stop();
    const res = await ready(t).expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up', redis: 'down' });
    const unready = await ready(strict);
    expect(unready.status).toBe(503);
    expect(errorBodyProblems(unready)).toEqual([]);
    expect(unready.body.message).toMatch(/redis down/);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await loginOnce(t)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]); // AUTH_RATE_LIMIT_MAX 3, counted in memory
    await request(t.url).get('/health/live').expect(200);
  });

  it('moves the counters back to Redis once it answers again', async () => {
    await redis.stop();
    await redisUp();
    expect((await ready(t)).body.redis).toBe('up');
    await ready(strict).expect(200);
    const client = redis.client();
    try {
      await client.flushall(); // a restarted private Redis is empty; this makes it so whatever ran before
      expect(await client.keys('throttle:*')).toEqual([]);
      await loginOnce(t);
      expect((await client.keys('throttle:*')).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('answers 503 with the uniform body as soon as a shutdown has begun', async () => {
    // An app of its own: the others stay ready for their tests, in whatever order they run.
    const closing = await startTestApp({ REDIS_URL: redis.url }, db);
    closing.app.get(ReadinessService).beginShutdown();
    let res: Awaited<ReturnType<typeof ready>>;
    try {
      res = await ready(closing);
    } finally {
      await closing.close();
    }
    expect(res.status).toBe(503);
    expect(errorBodyProblems(res)).toEqual([]);
    expect(res.body.message).toMatch(/shutting down/);
    expect(res.headers['retry-after']).toBe('5');
  });
});
