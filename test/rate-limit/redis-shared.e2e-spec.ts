import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import request from 'supertest';
import type { ClientContext } from '../../src/common/http/client-context';
import { AccountLimiter } from '../../src/rate-limit/account-limiter';
import { bearer, getMe, newUser, refreshWith } from '../support/auth-helpers';
import { describeRedis, randomClientIp, redisClient } from '../support/redis';
import { expectRetryAfter } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const ghost = (): string => `nobody.${randomBytes(5).toString('hex')}@example.org`;

// Two instances on one PostgreSQL and one Redis, as behind a load balancer. Each test uses a client
// address of its own (through TRUST_PROXY) so counters left in Redis by other runs never collide.
describeRedis('two instances sharing Redis', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      REDIS_URL: process.env.REDIS_URL as string,
      TRUST_PROXY: '127.0.0.1',
      AUTH_RATE_LIMIT_MAX: '3',
      LOGIN_FAILURE_MAX: '2',
      // Each login below comes from a network of its own: the account-wide limit is what they share.
      LOGIN_FAILURE_ACCOUNT_MAX: '2',
      RATE_LIMIT_WINDOW_MS: '60000',
    };
    a = await startTestApp(env, db);
    b = await startTestApp(env, db);
    redis = redisClient();
  });
  afterAll(async () => {
    redis.disconnect();
    await a.close();
    await b.close();
    await db.drop();
  });

  it('shares the auth limit across instances, counted in Redis', async () => {
    const ip = randomClientIp();
    // A login the limiter lets through answers 401 (an unknown account, a fresh one each time so the
    // per-account throttle stays out of it); a blocked one answers 429.
    const post = (t: TestApp, from = ip) =>
      request(t.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', from)
        .send({ email: ghost(), password: 'Wrong-Password-123!' });
    expect((await post(a).expect(401)).headers['ratelimit-remaining']).toBe('2');
    expect((await post(b).expect(401)).headers['ratelimit-remaining']).toBe('1');
    await post(a).expect(401);
    const blocked = await post(b).expect(429);
    expectRetryAfter(blocked, 60);
    await post(a).expect(429);
    // Another client is not affected.
    await post(b, randomClientIp()).expect(401);
  });

  it('keeps no client address in Redis keys', async () => {
    const ip = randomClientIp();
    await request(a.url)
      .post('/api/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email: ghost(), password: 'x' })
      .expect(401);
    await request(a.url).get('/api/users/me').set('X-Forwarded-For', ip).expect(401);
    const keys = await redis.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes(ip))).toBe(false);
  });

  it('shares login failures per account across instances, keyed by a hash of the normalised email', async () => {
    const email = `Victim.${Date.now()}@Example.com`;
    const client: ClientContext = {
      ip: randomClientIp(),
      userAgent: null,
      requestId: 'req-shared',
      route: 'POST /api/auth/login',
    };
    const limiterA = a.app.get(AccountLimiter);
    const limiterB = b.app.get(AccountLimiter);
    await limiterA.reserve(email, client);
    await limiterB.reserve(`  ${email.toUpperCase()} `, client);
    const refused = await limiterA.reserve(email.toLowerCase(), client).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 429 });
    const { retryAfterSeconds } = (refused as { info: { retryAfterSeconds: number } }).info;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    const keys = await redis.keys('throttle:{login_failures:*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.toLowerCase().includes('victim'))).toBe(false);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0); // never a key without expiry
    await limiterB.forgive(email, client);
    await expect(limiterA.reserve(email, client)).resolves.toBeUndefined();
  });

  it('shares login failures per account over HTTP: failures on a block the account on b, from any address', async () => {
    const user = { ...newUser(), email: `victim.${randomBytes(5).toString('hex')}@example.org` };
    await request(a.url)
      .post('/api/auth/register')
      .set('X-Forwarded-For', randomClientIp())
      .send(user)
      .expect(201);
    const attempt = (t: TestApp, password: string) =>
      request(t.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', randomClientIp())
        .send({ email: user.email, password });
    await attempt(a, 'Wrong-Password-123!').expect(401);
    await attempt(b, 'Wrong-Password-123!').expect(401);
    const blocked = await attempt(a, user.password).expect(429); // LOGIN_FAILURE_MAX 2, right password
    expect(blocked.headers['ratelimit-limit']).toBe('2');
    await attempt(b, user.password).expect(429);
  });

  it('rejects on one instance an access token logged out on the other, at the next request', async () => {
    const user = newUser();
    const from = randomClientIp();
    await request(a.url)
      .post('/api/auth/register')
      .set('X-Forwarded-For', from)
      .send(user)
      .expect(201);
    const login = await request(a.url)
      .post('/api/auth/login')
      .set('X-Forwarded-For', from)
      .send({ email: user.email, password: user.password })
      .expect(200);
    const { accessToken, refreshToken } = login.body as {
      accessToken: string;
      refreshToken: string;
    };
    // One deployment: a token issued by a is good on b.
    await getMe(b, accessToken).set('X-Forwarded-For', from).expect(200);
    await request(a.url)
      .post('/api/auth/logout')
      .set('X-Forwarded-For', from)
      .set(...bearer(accessToken))
      .expect(204);
    await getMe(b, accessToken).set('X-Forwarded-For', from).expect(401);
    await getMe(a, accessToken).set('X-Forwarded-For', from).expect(401);
    // The session is gone on both: its refresh token no longer works either.
    await refreshWith(b, refreshToken).set('X-Forwarded-For', from).expect(401);
  });

  it('rejects on one instance every token of a user who logged out everywhere on the other', async () => {
    const user = newUser();
    const from = randomClientIp();
    await request(b.url)
      .post('/api/auth/register')
      .set('X-Forwarded-For', from)
      .send(user)
      .expect(201);
    const logins = [];
    for (const t of [a, b]) {
      const res = await request(t.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', from)
        .send({ email: user.email, password: user.password })
        .expect(200);
      logins.push(res.body.accessToken as string);
    }
    await request(b.url)
      .post('/api/auth/logout-all')
      .set('X-Forwarded-For', from)
      .set(...bearer(logins[1]))
      .expect(204);
    for (const token of logins) {
      await getMe(a, token).set('X-Forwarded-For', from).expect(401);
      await getMe(b, token).set('X-Forwarded-For', from).expect(401);
    }
  });
});
