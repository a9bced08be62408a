import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import request from 'supertest';
import { AuditService, type AuditEventInput } from '../../src/audit/audit.service';
import { bearer, register, registerAndLogin, type TestUser } from '../support/auth-helpers';
import { expectRetryAfter } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

// The real routes: POST /api/auth/login and /register carry @AuthRateLimit() (the `auth` throttler,
// counted per route); every /api route shares the `default` budget; /health and /docs are not limited.
// LOGIN_FAILURE_MAX is out of reach here except in the per-account suite, so that a 429 always comes
// from the throttler under test.
const LIMITS = {
  RATE_LIMIT_MAX: '20',
  AUTH_RATE_LIMIT_MAX: '5',
  LOGIN_FAILURE_MAX: '1000',
  RATE_LIMIT_WINDOW_MS: '60000',
};
const ERROR_BODY = {
  statusCode: 429,
  error: 'Too Many Requests',
  message: expect.any(String),
  requestId: expect.any(String),
};

function expectNoLegacyHeaders(headers: Record<string, string>): void {
  expect(
    Object.keys(headers).filter((h) => h.startsWith('x-ratelimit') || /^retry-after-/.test(h)),
  ).toEqual([]);
}

function expect429Headers(res: request.Response, limit: string): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ ...ERROR_BODY, requestId: res.headers['x-request-id'] });
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['ratelimit-limit']).toBe(limit);
  expect(res.headers['ratelimit-remaining']).toBe('0');
  expectRetryAfter(res, 60);
  expect(res.headers['ratelimit-reset']).toBe(res.headers['retry-after']);
  expectNoLegacyHeaders(res.headers);
  expect(JSON.stringify(res.body)).not.toMatch(/stack|Throttler|at \//);
}

const unknownEmail = (): string => `nobody.${randomBytes(5).toString('hex')}@example.org`;

/** A login the throttler lets through answers 401 here (unknown account); a blocked one answers 429. */
function loginAttempt(t: TestApp, forwardedFor?: string, email = unknownEmail()): request.Test {
  const req = request(t.url).post('/api/auth/login');
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ email, password: 'Wrong-Password-123!' });
}

function loginAs(
  t: TestApp,
  user: TestUser,
  forwardedFor?: string,
  password = user.password,
): request.Test {
  const req = request(t.url).post('/api/auth/login');
  if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ email: user.email, password });
}

function rateLimitedEvents(record: jest.SpyInstance): AuditEventInput[] {
  return (record.mock.calls as Array<[AuditEventInput]>)
    .map(([event]) => event)
    .filter((e) => e.type === 'security.rate_limited');
}

describe('rate limits (in-process counters)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(LIMITS);
  });
  afterEach(() => t.close());

  it('sends RateLimit-* headers on allowed /api answers, and no X-RateLimit-*', async () => {
    const user = await registerAndLogin(t); // 2 of the 20 /api requests
    const first = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(first.headers['ratelimit-limit']).toBe('20');
    expect(first.headers['ratelimit-remaining']).toBe('17');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(first.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect(first.headers['retry-after']).toBeUndefined();
    expectNoLegacyHeaders(first.headers);
    const second = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(second.headers['ratelimit-remaining']).toBe('16');
    // A request that fails authentication still counts (the throttler runs first) and still gets the headers.
    const anonymous = await request(t.url).get('/api/users/me').expect(401);
    expect(anonymous.headers['ratelimit-remaining']).toBe('15');
    expectNoLegacyHeaders(anonymous.headers);
  });

  it('answers 429 past RATE_LIMIT_MAX with Retry-After and the uniform error body', async () => {
    const user = await registerAndLogin(t);
    for (let i = 0; i < 18; i++)
      await request(t.url)
        .get('/api/users/me')
        .set(...bearer(user.accessToken))
        .expect(200);
    const res = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(user.accessToken))
      .set('X-Request-Id', 'limited-1');
    expect429Headers(res, '20');
    expect(res.body.requestId).toBe('limited-1');
    // Outside production the message names the variable that raises the limit.
    expect(res.body.message).toBe(
      'Too many requests: try again later (development: 20 per 1 minute; RATE_LIMIT_MAX raises it)',
    );
  });

  it('answers the 6th login from one IP with 429 (AUTH_RATE_LIMIT_MAX 5), RateLimit-* and Retry-After, audited once', async () => {
    const user = await register(t);
    const record = jest.spyOn(t.app.get(AuditService), 'record');
    for (let i = 1; i <= 5; i++) {
      const ok = await loginAs(t, user).expect(200);
      expect([ok.headers['ratelimit-limit'], ok.headers['ratelimit-remaining']]).toEqual([
        '5',
        String(5 - i),
      ]);
      expect(Number(ok.headers['ratelimit-reset'])).toBeGreaterThan(0);
      expect(ok.headers['retry-after']).toBeUndefined();
      expectNoLegacyHeaders(ok.headers);
    }
    const blocked = await loginAs(t, user);
    expect429Headers(blocked, '5');
    expect(blocked.body.accessToken).toBeUndefined();
    expect(blocked.body.message).toBe(
      'Too many requests: try again later (development: 5 per 1 minute; AUTH_RATE_LIMIT_MAX raises it)',
    );
    await loginAs(t, user).expect(429);

    const events = rateLimitedEvents(record);
    expect(events).toHaveLength(1); // one event per block, not one per rejected request
    expect(events[0]).toMatchObject({
      type: 'security.rate_limited',
      client: { ip: '127.0.0.1', requestId: blocked.headers['x-request-id'] },
      metadata: { throttler: 'auth', limit: 5, route: 'POST /api/auth/login' },
    });

    // The auth limit is per route: register still has its own 5 (1 used above).
    for (let i = 0; i < 4; i++) await register(t);
    const registerBlocked = await request(t.url)
      .post('/api/auth/register')
      .send({
        email: unknownEmail(),
        username: `u_${randomBytes(4).toString('hex')}`,
        password: 'Zq!Long-enough-9x',
        birthDate: '1990-01-01',
      });
    expect429Headers(registerBlocked, '5');

    // The default budget is shared by all of /api: 1 + 7 logins + 5 registers + this one = 14 of 20.
    const general = await request(t.url).get('/api/users/me').expect(401);
    expect([general.headers['ratelimit-limit'], general.headers['ratelimit-remaining']]).toEqual([
      '20',
      '6',
    ]);
  });

  it('counts requests that fail validation (the guard runs before the pipe)', async () => {
    for (let i = 0; i < 5; i++)
      await request(t.url).post('/api/auth/login').send({ nope: 1 }).expect(400);
    await loginAttempt(t).expect(429);
  });

  it('does not limit /health or /docs', async () => {
    for (let i = 0; i < 15; i++) {
      const res = await request(t.url).get('/health/live').expect(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    for (let i = 0; i < 15; i++) {
      const res = await request(t.url).get('/docs-json').expect(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    // None of the 30 requests above was counted against /api.
    const api = await request(t.url).get('/api/users/me').expect(401);
    expect(api.headers['ratelimit-remaining']).toBe('19');
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is unset: rotating a forged header never resets a limit', async () => {
    for (let i = 1; i <= 5; i++) await loginAttempt(t, `203.0.113.${i}`).expect(401);
    const blocked = await loginAttempt(t, '203.0.113.99');
    expect429Headers(blocked, '5');
    await loginAttempt(t, '198.51.100.7, 203.0.113.100').expect(429);
  });
});

describe('login failures per account (LOGIN_FAILURE_MAX), whatever the IP', () => {
  let t: TestApp;
  // TRUST_PROXY so each attempt comes from an address of its own, and per-IP limits out of reach (the
  // accounts are registered from the loopback address): every 429 here is the per-account throttle.
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_MAX: '1000',
      AUTH_RATE_LIMIT_MAX: '1000',
      LOGIN_FAILURE_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '60000',
      TRUST_PROXY: '127.0.0.1',
    });
  });
  afterAll(() => t.close());
  let nextIp = 1;
  const ip = (): string => `203.0.113.${nextIp++}`;

  it('blocks the account after LOGIN_FAILURE_MAX failures from different IPs: 429 before the password check', async () => {
    const victim = await register(t);
    const record = jest.spyOn(t.app.get(AuditService), 'record');
    for (let i = 0; i < 3; i++) await loginAs(t, victim, ip(), 'Wrong-Password-123!').expect(401);
    // The right password, from yet another address: still refused, before the password is checked.
    const blocked = await loginAs(t, victim, ip());
    expect429Headers(blocked, '3');
    expect(blocked.body.accessToken).toBeUndefined();
    expect(blocked.headers['set-cookie']).toBeUndefined();
    expect(blocked.body.message).toBe(
      'Too many failed logins: try again later (development: 3 per 1 minute; LOGIN_FAILURE_MAX raises it)',
    );
    const events = rateLimitedEvents(record);
    expect(events.at(-1)).toMatchObject({
      metadata: { throttler: 'login_failures', route: 'POST /api/auth/login' },
    });
    expect(JSON.stringify(events)).not.toContain(victim.email);
    record.mockRestore();
  });

  it('throttles that account only: another account logs in from the same address', async () => {
    const victim = await register(t);
    const bystander = await register(t);
    const address = ip();
    for (let i = 0; i < 3; i++)
      await loginAs(t, victim, address, 'Wrong-Password-123!').expect(401);
    await loginAs(t, victim, address).expect(429);
    await loginAs(t, bystander, address).expect(200);
  });

  it('counts the email however it is cased or padded', async () => {
    const victim = await register(t);
    for (const email of [victim.email.toUpperCase(), ` ${victim.email} `, victim.email]) {
      await request(t.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', ip())
        .send({ email, password: 'Wrong-Password-123!' })
        .expect(401);
    }
    await loginAs(t, victim, ip()).expect(429);
  });

  it('counts failures for unknown emails too, with the same 429 as for a real account', async () => {
    const ghost = unknownEmail();
    for (let i = 0; i < 3; i++) await loginAttempt(t, ip(), ghost).expect(401);
    const blocked = await loginAttempt(t, ip(), ghost);
    expect429Headers(blocked, '3');

    const real = await register(t);
    for (let i = 0; i < 3; i++) await loginAs(t, real, ip(), 'Wrong-Password-123!').expect(401);
    const realBlocked = await loginAs(t, real, ip(), 'Wrong-Password-123!');
    expect(realBlocked.status).toBe(429);
    expect(realBlocked.body.message).toBe(blocked.body.message);
    expect(realBlocked.headers['ratelimit-limit']).toBe(blocked.headers['ratelimit-limit']);
  });

  it('resets the count on a successful login', async () => {
    const user = await register(t);
    for (let i = 0; i < 2; i++) await loginAs(t, user, ip(), 'Wrong-Password-123!').expect(401);
    await loginAs(t, user, ip()).expect(200);
    // Without the reset these two would make 4 failures (≥ 3) and the next login a 429.
    for (let i = 0; i < 2; i++) await loginAs(t, user, ip(), 'Wrong-Password-123!').expect(401);
    await loginAs(t, user, ip()).expect(200);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('tracks the client address the trusted proxy reports', async () => {
    for (let i = 0; i < 5; i++) await loginAttempt(t, '203.0.113.10').expect(401);
    await loginAttempt(t, '203.0.113.10').expect(429);
    await loginAttempt(t, '203.0.113.11').expect(401);
  });
});

describe('rate limit windows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, RATE_LIMIT_WINDOW_MS: '1500' });
  });
  afterAll(() => t.close());

  it('lets a blocked client in again once the block has passed', async () => {
    for (let i = 0; i < 5; i++) await loginAttempt(t).expect(401);
    const blocked = await loginAttempt(t).expect(429);
    await new Promise((r) => setTimeout(r, Number(blocked.headers['retry-after']) * 1000 + 100));
    await loginAttempt(t).expect(401);
  });
});

/** A port on which nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('rate limits while Redis is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...LIMITS,
      LOGIN_FAILURE_MAX: '2',
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
  });
  afterAll(() => t.close());

  it('keeps enforcing the auth limit in process memory, without hanging a request', async () => {
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      await loginAttempt(t).expect(401);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const res = await loginAttempt(t).expect(429);
    expectRetryAfter(res, 60);
  });
});

describe('login failures per account while Redis is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...LIMITS,
      LOGIN_FAILURE_MAX: '2',
      TRUST_PROXY: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
  });
  afterAll(() => t.close());

  it('keeps counting them in process memory', async () => {
    const user = await register(t);
    for (let i = 0; i < 2; i++)
      await loginAs(t, user, `203.0.113.${i + 1}`, 'Wrong-Password-123!').expect(401);
    await loginAs(t, user, '203.0.113.50').expect(429);
  });
});
