import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/main';
import { pgPoolOf } from '../../src/database/pg-pool';
import { MetricsService } from '../../src/observability/metrics.service';
import { registerAndLogin, type LoggedIn } from '../support/auth-helpers';
import { freePort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';

// Jest 30 applies only a global testTimeout: the e2e project's 30 s never reaches the runner.
jest.setTimeout(60_000);

/** The value of one sample line, `name{labels} value`, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics on METRICS_PORT', () => {
  let t: TestApp;
  let metricsUrl: string;
  let metricsPort: number;
  let user: LoggedIn;
  const foreignId = randomUUID();
  const unknownPath = `/api/no-such-thing/${randomUUID()}`;
  let afterSetup: string;

  beforeAll(async () => {
    metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    t = await startTestApp({ METRICS_PORT: String(metricsPort), AUTH_RATE_LIMIT_MAX: '3' });
    user = await registerAndLogin(t);
    const bearer = { Authorization: `Bearer ${user.accessToken}` };
    for (let i = 0; i < 2; i++) await request(t.url).get('/api/users/me').set(bearer).expect(200);
    await request(t.url).get(`/api/users/${foreignId}`).set(bearer).expect(403);
    await request(t.url).get(unknownPath).expect(404);
    // The login route allows 3 per window: one login above, then wrong passwords until refused.
    let status = 0;
    for (let i = 0; i < 5 && status !== 429; i++) {
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: `${user.password}-wrong` });
      status = res.status;
    }
    expect(status).toBe(429);
    // The counts of exactly these requests: later tests (GET /metrics on the API port) add their own.
    afterSetup = await (await fetch(metricsUrl)).text();
  });

  afterAll(async () => {
    await t.close();
  });

  it('serves Prometheus text on 127.0.0.1:METRICS_PORT/metrics', async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('times requests by route template, method and status, never by raw URL', async () => {
    const text = afterSetup;
    const count = (labels: string): number | undefined =>
      sample(text, `http_request_duration_seconds_count{${labels}}`);
    expect(count('route="/api/users/me",method="GET",status_code="200"')).toBe(2);
    expect(count('route="/api/users/:id",method="GET",status_code="403"')).toBe(1);
    expect(count('route="unmatched",method="GET",status_code="404"')).toBe(1);
    expect(count('route="/api/auth/register",method="POST",status_code="201"')).toBe(1);
    expect(
      sample(
        text,
        'http_request_duration_seconds_bucket{le="+Inf",route="/api/users/me",method="GET",status_code="200"}',
      ),
    ).toBe(2);
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(text).not.toContain(foreignId);
    expect(text).not.toContain(unknownPath);
    expect(text).not.toContain(user.email);
    const now = await (await fetch(metricsUrl)).text();
    for (const raw of [foreignId, unknownPath, user.email]) expect(now).not.toContain(raw);
  });

  it('counts rate-limit refusals by route', async () => {
    const text = afterSetup;
    expect(sample(text, 'rate_limit_refusals_total{route="/api/auth/login"}')).toBe(1);
    expect(
      sample(
        text,
        'http_request_duration_seconds_count{route="/api/auth/login",method="POST",status_code="429"}',
      ),
    ).toBe(1);
  });

  it('reports the database pool, read from the pool at scrape time', async () => {
    const text = await (await fetch(metricsUrl)).text();
    const pool = pgPoolOf(t.app.get(DataSource));
    expect(sample(text, 'db_pool_connections_max')).toBe(pool.options.max);
    expect(sample(text, 'db_pool_connections_idle')).toBe(pool.idleCount);
    expect(sample(text, 'db_pool_connections_idle')).toBeGreaterThan(0);
    expect(sample(text, 'db_pool_connections_in_use')).toBe(pool.totalCount - pool.idleCount);
  });

  it('reports queries waiting for a connection when the pool is exhausted', async () => {
    const pool = pgPoolOf(t.app.get(DataSource));
    const max = pool.options.max;
    const held = [];
    while (pool.totalCount - pool.idleCount < max) held.push(await pool.connect());
    // Background work (the mail worker, audit writes) may queue too: at least this one waits.
    const queued = pool.query('SELECT 1');
    // The pool gauges are read as the scrape starts; the outbox gauge's own query then waits for a
    // connection too, so the connections go back before the scrape can finish.
    const scrape = fetch(metricsUrl).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const client of held) client.release();
    await queued;
    const text = await scrape;
    expect(sample(text, 'db_pool_connections_in_use')).toBe(max);
    expect(sample(text, 'db_pool_connections_idle')).toBe(0);
    expect(sample(text, 'db_pool_waiting_requests')).toBeGreaterThanOrEqual(1);
  });

  it('has auth outcome counters, event-loop lag and process metrics', async () => {
    const text = await (await fetch(metricsUrl)).text();
    for (const event of [
      'auth.login.success',
      'auth.login.failure',
      'security.rate_limited',
      'auth.refresh',
      'auth.refresh.reuse_detected',
    ]) {
      expect(sample(text, `auth_events_total{event="${event}"}`)).toEqual(expect.any(Number));
    }
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('is absent from the API port', async () => {
    await request(t.url).get('/metrics').expect(404);
    await request(t.url).get('/api/metrics').expect(404);
  });

  it('answers GET /metrics only, and only on the loopback address it is bound to', async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
    const post = await fetch(metricsUrl, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    // Bound to 127.0.0.1, not 0.0.0.0: another loopback address of the same host is refused.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(metricsPort, '127.0.0.2');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

describe('without METRICS_PORT', () => {
  it('builds no metrics: the service is empty and the API port has no /metrics', async () => {
    const t = await startTestApp();
    try {
      const metrics = t.app.get(MetricsService);
      expect(metrics.enabled).toBe(false);
      expect(metrics.sink).toBeUndefined();
      expect(() => metrics.countAuditEvent('auth.login.failure')).not.toThrow();
      await request(t.url).get('/metrics').expect(404);
    } finally {
      await t.close();
    }
  });
});

describe('operator commands (an application context, no HTTP server)', () => {
  it('open no metrics listener, so they run beside the service on the same METRICS_PORT', async () => {
    const t = await startTestApp();
    const port = await freePort();
    const service = createServer().listen(port, '127.0.0.1'); // the running service's listener
    await new Promise((resolve) => service.once('listening', resolve));
    try {
      const lines: string[] = [];
      const out = { stdout: (s: string) => lines.push(s), stderr: (s: string) => lines.push(s) };
      const env = Object.assign(Object.create(Object.getPrototypeOf(t.env) as object), t.env, {
        METRICS_PORT: port,
      }) as typeof t.env;
      expect(await runCli(['audit:verify'], env, out)).toBe(0);
      expect(lines.join('')).not.toMatch(/METRICS_PORT/);
    } finally {
      service.close();
      await t.close();
    }
  });
});
