import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newUser } from '../support/auth-helpers';
import { startPrivateRedis, type PrivateRedis } from '../support/private-services';
import { freePort } from '../support/free-port';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { spawnApp, spawnedTestEnv, waitForStatus, type SpawnedApp } from '../support/spawn-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// Jest 30 applies only a global testTimeout: the e2e project's 30 s never reaches the runner.
jest.setTimeout(60_000);

const SERVER = 2; // OTLP SPAN_KIND_SERVER
const CLIENT = 3; // OTLP SPAN_KIND_CLIENT
const REQUEST_ID = 'trace-me-0001';
/** V8 quotes about ten characters of a body JSON.parse refuses: a password there must not leak. */
const QUOTED_BY_PARSER = 'Hunter-Sec';

/**
 * The production build (`node dist/main.js`) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a stand-in
 * collector: the instrumentation is loaded before the modules it patches, exactly as in production.
 * Spans are batched for 60 s, so they reach the collector only because SIGTERM flushes them.
 */
describe('OpenTelemetry traces over OTLP/HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snf-tracing-'));
  let receiver: OtlpReceiver;
  let db: TestDatabase;
  let redis: PrivateRedis;
  let app: SpawnedApp;
  let base: string;
  const user = newUser();
  let userId = '';
  let accessToken = '';
  let refreshToken = '';
  let refreshed: { accessToken: string; refreshToken: string };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    db = await createTestDatabase();
    // A Redis of its own: counters other specs leave for 127.0.0.1 in a shared one would throttle it.
    redis = await startPrivateRedis();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawnApp(
      spawnedTestEnv(port, dir, db, {
        BCRYPT_ROUNDS: '4',
        REDIS_URL: redis.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      }),
    );
    await waitForStatus(`${base}/health/ready`, 200, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${app.output()}`);
    });

    const registered = await post('/api/auth/register', user);
    expect(registered.status).toBe(201);
    userId = ((await registered.json()) as { id: string }).id;
    const login = await post('/api/auth/login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    ({ accessToken, refreshToken } = (await login.json()) as typeof refreshed);
    const refresh = await post('/api/auth/refresh', { refreshToken });
    expect(refresh.status).toBe(200);
    refreshed = (await refresh.json()) as typeof refreshed;
    const malformed = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"email":"x@example.org","password":${QUOTED_BY_PARSER}ret-99}`,
    });
    expect(malformed.status).toBe(400);
    // A token in the query string too: it must not reach any span attribute.
    const me = await fetch(`${base}/api/users/me?access_token=${refreshed.accessToken}`, {
      headers: { Authorization: `Bearer ${refreshed.accessToken}`, 'X-Request-Id': REQUEST_ID },
    });
    expect(me.status).toBe(200);

    // The ordered shutdown flushes the batch (SIGTERM's exit status belongs to main.ts's tests).
    app.child.kill('SIGTERM');
    await app.exited;
  }, 120_000);

  afterAll(async () => {
    if (app.child.exitCode === null) app.child.kill('SIGKILL');
    await receiver.close();
    await redis.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  const serverSpanOf = (requestId: string): ReceivedSpan | undefined =>
    receiver.spans().find((s) => s.kind === SERVER && s.attributes['request.id'] === requestId);

  /** Spans below `ancestor` in its trace, following parent links. */
  function descendantsOf(ancestor: ReceivedSpan): ReceivedSpan[] {
    const trace = receiver.spans().filter((s) => s.traceId === ancestor.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const isBelow = (span: ReceivedSpan): boolean => {
      for (let p = span.parentSpanId; p; p = byId.get(p)?.parentSpanId)
        if (p === ancestor.spanId) return true;
      return false;
    };
    return trace.filter(isBelow);
  }

  it('exports the request as a server span carrying the request id, the user id and the route', () => {
    const server = serverSpanOf(REQUEST_ID);
    expect(server).toBeDefined();
    expect(server?.name).toBe('GET /api/users/me');
    expect(server?.parentSpanId).toBeUndefined();
    expect(server?.attributes).toMatchObject({
      'request.id': REQUEST_ID,
      'user.id': userId,
      'http.route': '/api/users/me',
      'url.path': '/api/users/me',
      'http.response.status_code': 200,
    });
  });

  it('puts the Fastify, NestJS and pg spans under the server span', () => {
    const server = serverSpanOf(REQUEST_ID) as ReceivedSpan;
    const below = descendantsOf(server);
    const fastify = below.find((s) => s.scope === '@fastify/otel' && s.name === 'request');
    expect(fastify?.parentSpanId).toBe(server.spanId);
    const nest = below.find(
      (s) => s.scope.endsWith('instrumentation-nestjs-core') && s.name === 'UsersController.me',
    );
    expect(nest?.attributes).toMatchObject({ 'nestjs.type': 'request_context' });
    // The guard's session check runs inside Nest's request context: its query is under it.
    const nestSubtree = descendantsOf(nest as ReceivedSpan);
    const query = nestSubtree.find(
      (s) =>
        s.scope.endsWith('instrumentation-pg') &&
        /FROM sessions/.test(String(s.attributes['db.query.text'])),
    );
    expect(query?.kind).toBe(CLIENT);
    expect(query?.attributes['db.system.name']).toBe('postgresql');
    expect(nestSubtree.some((s) => s.name === 'me')).toBe(true);
  });

  describe('with Redis', () => {
    it('traces the rate limiter’s Redis commands under the request, by command name only', () => {
      const below = descendantsOf(serverSpanOf(REQUEST_ID) as ReceivedSpan);
      const redis = below.filter((s) => s.scope.endsWith('instrumentation-ioredis'));
      expect(redis.length).toBeGreaterThan(0);
      for (const span of redis) {
        expect(span.kind).toBe(CLIENT);
        expect(span.attributes['db.query.text'] ?? span.attributes['db.statement']).toMatch(
          /^[a-z]+$/i,
        );
      }
    });
  });

  it('exports no secret: no password, token, cookie, query string or database credential', () => {
    const everything = receiver.payloads.join('\n');
    expect(receiver.spans().length).toBeGreaterThan(10);
    const devSecrets = JSON.parse(
      readFileSync(join(dir, 'data', 'secrets.json'), 'utf8'),
    ) as Record<string, string>;
    const secrets: Record<string, string> = {
      password: user.password,
      accessToken,
      refreshToken,
      refreshedAccessToken: refreshed.accessToken,
      refreshedRefreshToken: refreshed.refreshToken,
      databasePassword: decodeURIComponent(new URL(db.url).password),
      passwordInMalformedBody: QUOTED_BY_PARSER,
      ...devSecrets,
    };
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThan(8);
    const leaked = Object.keys(secrets).filter((name) => everything.includes(secrets[name]));
    expect(leaked).toEqual([]);
    for (const span of receiver.spans()) {
      for (const key of Object.keys(span.attributes)) {
        expect(key).not.toMatch(/^url\.query$|authorization|cookie|password|token/i);
      }
      for (const [key, value] of Object.entries(span.attributes)) {
        if (/^(url|http)\./.test(key)) expect(String(value)).not.toContain('?');
      }
    }
  });
});
