import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newUser } from '../support/auth-helpers';
import { freePort } from '../support/free-port';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedLogRecord,
} from '../support/otlp-receiver';
import { startPrivateRedis, type PrivateRedis } from '../support/private-services';
import { spawnApp, spawnedTestEnv, waitForStatus, type SpawnedApp } from '../support/spawn-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Jest 30 applies only a global testTimeout: the e2e project's 30 s never reaches the runner.
jest.setTimeout(90_000);

const WRONG_PASSWORD = 'Wrong-Horse-Battery-77!';
const OTLP_WARN = 13; // SeverityNumber.WARN
const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

function jsonLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The production build (`node dist/main.js`; the OTLP exporter's dynamic `import('http')` cannot
 * run inside jest's module sandbox) on its own database and Redis, with OTEL_EXPORTER_OTLP_ENDPOINT
 * set to `collector`.
 */
async function startShippingApp(
  dir: string,
  collector: string,
  extra: Record<string, string>,
): Promise<{ app: SpawnedApp; base: string; db: TestDatabase; redis: PrivateRedis }> {
  const db = await createTestDatabase();
  // A Redis of its own: counters other specs leave for 127.0.0.1 in a shared one would throttle it.
  const redis = await startPrivateRedis();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = spawnApp(
    spawnedTestEnv(port, dir, db, {
      LOG_LEVEL: 'warn',
      BCRYPT_ROUNDS: '4',
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector,
      ...extra,
    }),
  );
  await waitForStatus(`${base}/health/ready`, 200, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${app.output()}`);
  });
  return { app, base, db, redis };
}

/**
 * Shipped to a stand-in collector that parses what @opentelemetry/exporter-logs-otlp-http really
 * sends. The batch waits 60 s, so the records reach it only because the shutdown (SIGTERM, the
 * ordered shutdown of main.ts) flushes them.
 */
describe('security log shipped to the OTLP collector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-log-shipping-'));
  let receiver: OtlpReceiver;
  let started: Awaited<ReturnType<typeof startShippingApp>>;
  const user = newUser();
  let accessToken = '';
  let refreshToken = '';
  let payloadsBeforeShutdown = -1;
  const securityLog = join(dir, 'logs', 'security.log');

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    started = await startShippingApp(dir, receiver.url, {
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    expect((await post('/api/auth/register', user)).status).toBe(201);
    const login = await post('/api/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    ({ accessToken, refreshToken } = (await login.json()) as {
      accessToken: string;
      refreshToken: string;
    });
    const failed = await post(
      '/api/auth/login',
      { email: user.email, password: WRONG_PASSWORD },
      { 'X-Request-Id': 'ship-login', 'User-Agent': 'ship-agent' },
    );
    expect(failed.status).toBe(401);
    const notFound = await fetch(`${started.base}/api/no-such-thing?token=${refreshToken}`, {
      headers: {
        'X-Request-Id': 'ship-404',
        'User-Agent': 'ship-agent',
        Authorization: `Bearer ${accessToken}`,
      },
    });
    expect(notFound.status).toBe(404);
    payloadsBeforeShutdown = receiver.logPayloads.length;
    started.app.child.kill('SIGTERM');
    await started.app.exited;
  }, 120_000);

  afterAll(async () => {
    if (started?.app.child.exitCode === null) started.app.child.kill('SIGKILL');
    await receiver.close();
    await started?.redis.stop();
    await started?.db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(`${started.base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  const recordOf = (requestId: string): ReceivedLogRecord | undefined =>
    receiver.logRecords().find((r) => r.attributes.requestId === requestId);

  it('ships a failed login and a 404 as log records carrying the security log fields', () => {
    const login = recordOf('ship-login');
    expect(login).toMatchObject({
      severityNumber: OTLP_WARN,
      severityText: 'warn',
      body: 'auth attempt',
      scope: 'security-log',
      attributes: {
        log: 'security',
        level: 'warn',
        message: 'auth attempt',
        method: 'POST',
        path: '/api/auth/login',
        status: 401,
        ip: '127.0.0.1',
        userAgent: 'ship-agent',
        userId: 'anonymous',
      },
    });
    const notFound = recordOf('ship-404');
    expect(notFound).toMatchObject({
      severityNumber: OTLP_WARN,
      body: 'request failed',
      attributes: { level: 'warn', method: 'GET', path: '/api/no-such-thing', status: 404 },
    });
    expect(typeof notFound?.attributes.durationMs).toBe('number');
    // The resource the traces carry: the collector joins both by service.
    expect(notFound?.resource).toMatchObject({
      'service.name': 'secure-nest-foundation',
      'service.version': VERSION,
    });
  });

  it('gives each record exactly the fields of its JSON line in security.log', () => {
    for (const requestId of ['ship-login', 'ship-404']) {
      const line = jsonLines(securityLog).find((l) => l.requestId === requestId);
      const attributes = recordOf(requestId)?.attributes;
      expect(line).toBeDefined();
      expect(Object.keys(attributes ?? {}).sort()).toEqual(Object.keys(line ?? {}).sort());
      const { timestamp: _lineTime, ...lineFields } = line ?? {};
      const { timestamp: recordTime, ...recordFields } = attributes ?? {};
      expect(recordFields).toEqual(lineFields);
      expect(Date.parse(String(recordTime))).not.toBeNaN();
    }
  });

  it('delivers the batch when the application shuts down (nothing had left before)', () => {
    expect(payloadsBeforeShutdown).toBe(0);
    expect(receiver.logPayloads.length).toBeGreaterThan(0);
    // Registration and the successful login are auth attempts too: every entry left, not a sample.
    expect(receiver.logRecords()).toHaveLength(jsonLines(securityLog).length);
  });

  it('exports no secret: no password, token or Authorization header in any record', () => {
    const everything = receiver.logPayloads.join('\n');
    const secrets = {
      password: user.password,
      wrongPassword: WRONG_PASSWORD,
      accessToken,
      refreshToken,
    };
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThan(8);
    const leaked = Object.entries(secrets).filter(([, value]) => everything.includes(value));
    expect(leaked).toEqual([]);
    expect(everything).not.toMatch(/Bearer/i);
    for (const record of receiver.logRecords()) {
      for (const key of Object.keys(record.attributes)) {
        expect(key).not.toMatch(/authorization|cookie|password|token/i);
      }
    }
  });
});

describe('security log shipping with the collector away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-log-shipping-away-'));
  let started: Awaited<ReturnType<typeof startShippingApp>>;
  let metricsUrl: string;

  beforeAll(async () => {
    const closedPort = await freePort(); // nothing listens there: every export is refused
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    started = await startShippingApp(dir, `http://127.0.0.1:${closedPort}`, {
      METRICS_PORT: String(metricsPort),
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    });
  }, 120_000);

  afterAll(async () => {
    if (started?.app.child.exitCode === null) started.app.child.kill('SIGKILL');
    await started?.redis.stop();
    await started?.db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function dropped(reason: string): Promise<number> {
    const text = await (await fetch(metricsUrl)).text();
    const series = `log_records_dropped_total{reason="${reason}"} `;
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line === undefined ? Number.NaN : Number(line.slice(series.length));
  }

  async function waitForDropped(count: number): Promise<void> {
    const began = Date.now();
    while ((await dropped('export_failed')) < count) {
      if (Date.now() - began > 40_000) throw new Error(`fewer than ${count} drops counted`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Sequential 404s (each one security log record); returns the slowest answer's milliseconds. */
  async function notFounds(count: number): Promise<number> {
    let slowest = 0;
    for (let i = 0; i < count; i++) {
      const began = performance.now();
      const res = await fetch(`${started.base}/api/no-such-thing/${i}`);
      expect(res.status).toBe(404);
      await res.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - began);
    }
    return slowest;
  }

  it('answers promptly while exports fail, counts every lost record and warns once', async () => {
    expect(await dropped('export_failed')).toBe(0);
    const first = await notFounds(20);
    await waitForDropped(20); // the exporter has retried those batches and given up
    const second = await notFounds(20); // more failed batches in the same outage
    await waitForDropped(40);
    // A refused collector costs a request nothing: no answer waits on an export.
    expect(Math.max(first, second)).toBeLessThan(1_000);
    expect(await dropped('export_failed')).toBe(40);
    expect(await dropped('queue_full')).toBe(0);
    const warnings = jsonLines(join(dir, 'logs', 'app.log')).filter(
      (l) => l.context === 'SecurityLogShipping',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', reason: 'export_failed' });
    // The files keep every record the collector never got.
    const lines = jsonLines(join(dir, 'logs', 'security.log'));
    expect(lines.filter((l) => l.status === 404)).toHaveLength(40);
  });
});
