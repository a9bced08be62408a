import { createServer, type Server } from 'node:net';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service';
import { ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

// The probe routes stand in for POST /api/auth/login and /register (decorated @AuthRateLimit()) until
// the auth branch lands; the guard, storage, filter and headers are the real app's.
const LIMITS = { RATE_LIMIT_MAX: '6', AUTH_RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' };
const ERROR_BODY = { statusCode: 429, error: 'Too Many Requests', message: expect.any(String), requestId: expect.any(String) };

function expectNoLegacyHeaders(headers: Record<string, string>): void {
  expect(Object.keys(headers).filter((h) => h.startsWith('x-ratelimit') || /^retry-after-/.test(h))).toEqual([]);
}

describe('rate limits (in-process counters)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(LIMITS, undefined, [ProbeModule]);
  });
  afterEach(() => t.close());

  it('sends RateLimit-* headers on allowed /api answers, and no X-RateLimit-*', async () => {
    const first = await request(t.url).get('/api/probe').expect(200);
    expect(first.headers['ratelimit-limit']).toBe('6');
    expect(first.headers['ratelimit-remaining']).toBe('5');
    expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(first.headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect(first.headers['retry-after']).toBeUndefined();
    expectNoLegacyHeaders(first.headers);
    const second = await request(t.url).get('/api/probe').expect(200);
    expect(second.headers['ratelimit-remaining']).toBe('4');
  });

  it('answers 429 past RATE_LIMIT_MAX with Retry-After and the uniform error body', async () => {
    for (let i = 0; i < 6; i++) await request(t.url).get('/api/probe').expect(200);
    const res = await request(t.url).get('/api/probe').set('X-Request-Id', 'limited-1').expect(429);
    expect(res.body).toEqual({ ...ERROR_BODY, requestId: 'limited-1' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['ratelimit-limit']).toBe('6');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.headers['ratelimit-reset']).toBe(res.headers['retry-after']);
    expectNoLegacyHeaders(res.headers);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|Throttler|at \//);
  });

  it('reports the stricter auth limit on @AuthRateLimit routes and blocks past it, audited', async () => {
    const record = jest.spyOn(t.app.get(AuditService), 'record');
    const ok1 = await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(200);
    expect([ok1.headers['ratelimit-limit'], ok1.headers['ratelimit-remaining']]).toEqual(['2', '1']);
    const ok2 = await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(200);
    expect([ok2.headers['ratelimit-limit'], ok2.headers['ratelimit-remaining']]).toEqual(['2', '0']);
    const blocked = await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(429);
    expect(blocked.body).toEqual(ERROR_BODY);
    expect(blocked.headers['ratelimit-limit']).toBe('2');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(429);

    const events = record.mock.calls.map(([event]) => event).filter((e) => e.type === 'security.rate_limited');
    expect(events).toHaveLength(1); // one event per block, not one per rejected request
    expect(events[0]).toMatchObject({
      type: 'security.rate_limited',
      client: { ip: '127.0.0.1', requestId: expect.any(String) },
      metadata: { throttler: 'auth', limit: 2, route: 'POST /api/probe/auth' },
    });
    // The auth limit is per route; the default budget is shared by all of /api.
    await request(t.url).post('/api/probe/auth-other').expect(200);
    const general = await request(t.url).get('/api/probe').expect(200);
    expect(general.headers['ratelimit-remaining']).toBe('0'); // 6 = 4 auth posts + 1 other + this one
  });

  it('counts requests that fail validation (the guard runs before the pipe)', async () => {
    await request(t.url).post('/api/probe/auth').send({ nope: 1 }).expect(400);
    await request(t.url).post('/api/probe/auth').send({ nope: 1 }).expect(400);
    await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(429);
  });

  it('does not limit /health or /docs', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await request(t.url).get('/health/live').expect(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    for (let i = 0; i < 8; i++) await request(t.url).get('/docs-json').expect(200);
    await request(t.url).get('/api/probe').expect(200);
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is unset: a forged header never resets a limit', async () => {
    await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.1').send({ value: 'x' }).expect(200);
    await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.2').send({ value: 'x' }).expect(200);
    await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.3').send({ value: 'x' }).expect(429);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, TRUST_PROXY: '127.0.0.1' }, undefined, [ProbeModule]);
  });
  afterAll(() => t.close());

  it('tracks the client address the trusted proxy reports', async () => {
    for (let i = 0; i < 2; i++) await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.10').send({ value: 'x' }).expect(200);
    await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.10').send({ value: 'x' }).expect(429);
    await request(t.url).post('/api/probe/auth').set('X-Forwarded-For', '203.0.113.11').send({ value: 'x' }).expect(200);
  });
});

describe('rate limit windows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...LIMITS, RATE_LIMIT_WINDOW_MS: '1500' }, undefined, [ProbeModule]);
  });
  afterAll(() => t.close());

  it('lets a blocked client in again once the block has passed', async () => {
    for (let i = 0; i < 2; i++) await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(200);
    const blocked = await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(429);
    await new Promise((r) => setTimeout(r, Number(blocked.headers['retry-after']) * 1000 + 100));
    await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(200);
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
    t = await startTestApp({ ...LIMITS, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }, undefined, [ProbeModule]);
  });
  afterAll(() => t.close());

  it('keeps enforcing the auth limit in process memory, without hanging a request', async () => {
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(200);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const res = await request(t.url).post('/api/probe/auth').send({ value: 'x' }).expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
