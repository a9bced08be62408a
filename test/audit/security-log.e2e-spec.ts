import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { WINSTON_MODULE_NEST_PROVIDER, type WinstonLogger } from 'nest-winston';
import { transports, type Logger } from 'winston';
import request from 'supertest';
import { SecurityLogger } from '../../src/logging/security-logger.service';
import { bearer, ISO_UTC_RE, registerAndLogin } from '../support/auth-helpers';
import { captureOutput, type CapturedOutput } from '../support/capture-output';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRETS = [
  'Hunter2-Very-Secret!',
  'rt.refresh.token.value',
  '123-45-6789',
  'sk_live_abcdef123456',
  'DE89370400440532013000',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
];

async function waitFor<T>(read: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for the log');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function lines(file: string): Array<Record<string, unknown>> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // Every line must parse on its own: a value can never start a line of its own.
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Where a winston transport writes: `console`, or the file's full path. */
function destination(transport: unknown): string {
  if (transport instanceof transports.Console) return 'console';
  if (transport instanceof transports.File) return join(transport.dirname, transport.filename);
  return (transport as object).constructor.name;
}

describe('security log and redaction', () => {
  let t: TestApp;
  let securityLog: string;
  let appLog: string;
  let output: CapturedOutput;

  beforeAll(async () => {
    output = captureOutput();
    // LOG_LEVEL warn: the console must carry the ≥400 lines this spec inspects.
    t = await startTestApp({ LOG_LEVEL: 'warn' });
    securityLog = join(t.env.LOG_DIR, 'security.log');
    appLog = join(t.env.LOG_DIR, 'app.log');
  });
  afterAll(async () => {
    await t.close();
    output.restore();
  });

  const entryFor = (requestId: string) => () =>
    lines(securityLog).find((l) => l.requestId === requestId);

  it('logs a 404 (never routed by Nest) at warn with every field, path without query string', async () => {
    await request(t.url)
      .get('/api/nothing-here?access_token=qs-secret')
      .set('X-Request-Id', 'sec-404')
      .set('User-Agent', 'sec-agent')
      .expect(404);
    const entry = await waitFor(entryFor('sec-404'));
    expect(entry).toMatchObject({
      level: 'warn',
      method: 'GET',
      path: '/api/nothing-here',
      status: 404,
      ip: '127.0.0.1',
      userAgent: 'sec-agent',
      userId: 'anonymous',
    });
    expect(typeof entry.timestamp).toBe('string');
    expect(typeof entry.durationMs).toBe('number');
    expect(JSON.stringify(entry)).not.toContain('qs-secret');
  });

  it.each([
    [
      '413',
      413,
      (r: request.Test) =>
        r
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ a: 'x'.repeat(110 * 1024) })),
    ],
    ['400', 400, (r: request.Test) => r.set('Content-Type', 'application/json').send('{not json')],
  ])('logs a %s rejected before Nest routes', async (name, status, send) => {
    await send(request(t.url).post('/api/anything').set('X-Request-Id', `sec-${name}`)).expect(
      status,
    );
    expect(await waitFor(entryFor(`sec-${name}`))).toMatchObject({ level: 'warn', status });
  });

  it('logs a 415 (a non-JSON body on a JSON route, rejected by Fastify before Nest)', async () => {
    await request(t.url)
      .post('/api/auth/login')
      .set('X-Request-Id', 'sec-415')
      .set('Content-Type', 'text/plain')
      .send(`email=a@example.com&password=${SECRETS[0]}`)
      .expect(415);
    const entry = await waitFor(entryFor('sec-415'));
    expect(entry).toMatchObject({ level: 'warn', status: 415, path: '/api/auth/login' });
    expect(JSON.stringify(entry)).not.toContain(SECRETS[0]);
  });

  it.each([
    ['no bearer', undefined],
    ['a forged bearer', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.Zm9yZ2Vk'],
  ])(
    'logs a failed authorization (401, %s on a protected route) at warn with status and path',
    async (name, token) => {
      const requestId = `sec-401-${name.replace(/\W+/g, '-')}`;
      const req = request(t.url).get('/api/users/me').set('X-Request-Id', requestId);
      if (token) req.set(...bearer(token));
      await req.expect(401);
      expect(await waitFor(entryFor(requestId))).toMatchObject({
        level: 'warn',
        method: 'GET',
        path: '/api/users/me',
        status: 401,
        userId: 'anonymous',
      });
    },
  );

  it('logs a failed authorization (403, a plain user on an admin route) at warn with status, path and the caller', async () => {
    const user = await registerAndLogin(t);
    await request(t.url)
      .get('/api/users')
      .set(...bearer(user.accessToken))
      .set('X-Request-Id', 'sec-403')
      .expect(403);
    expect(await waitFor(entryFor('sec-403'))).toMatchObject({
      level: 'warn',
      method: 'GET',
      path: '/api/users',
      status: 403,
      userId: user.id,
    });
  });

  it('logs auth attempts at info even when the app log level is warn', async () => {
    await request(t.url)
      .post('/api/auth/login')
      .set('X-Request-Id', 'sec-login')
      .send({ email: 'a@example.com', password: SECRETS[0] });
    const entry = await waitFor(entryFor('sec-login'));
    expect(entry).toMatchObject({ message: 'auth attempt', path: '/api/auth/login' });
    expect(t.env.LOG_LEVEL).toBe('warn');
  });

  it('classifies by the matched route, so an encoded path to login is logged as an auth attempt', async () => {
    await request(t.url)
      .post('/api/auth/%6cogin')
      .set('X-Request-Id', 'sec-encoded-login')
      .send({ email: 'nobody@example.com', password: 'Wrong-Password-1!' })
      .expect(401);
    const entry = await waitFor(entryFor('sec-encoded-login'));
    expect(entry).toMatchObject({ message: 'auth attempt', level: 'warn', status: 401 });
  });

  it('logs the files 0640 in a 0750 directory (they hold IPs, user agents and user ids)', () => {
    expect(statSync(t.env.LOG_DIR).mode & 0o777).toBe(0o750);
    for (const file of [securityLog, appLog]) expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('stamps every line of security.log and app.log with an ISO 8601 time in UTC (…Z)', async () => {
    await request(t.url).get('/api/nothing').set('X-Request-Id', 'sec-utc').expect(404);
    t.app.get<LoggerService>(WINSTON_MODULE_NEST_PROVIDER).warn({ message: 'utc probe' });
    await waitFor(entryFor('sec-utc'));
    await waitFor(() => lines(appLog).find((l) => l.message === 'utc probe'));
    const all = [...lines(securityLog), ...lines(appLog)];
    for (const line of all) expect(line.timestamp).toMatch(ISO_UTC_RE);
  });

  it('writes logs only to the documented destinations: the console, LOG_DIR/app.log and LOG_DIR/security.log', async () => {
    const appLogger = t.app.get<WinstonLogger>(WINSTON_MODULE_NEST_PROVIDER).getWinstonLogger();
    // The security logger keeps its winston logger private: nothing else may write through it.
    const security = t.app.get<SecurityLogger, { logger: Logger }>(SecurityLogger).logger;
    expect(appLogger.transports.map(destination)).toEqual(['console', appLog]);
    expect(security.transports.map(destination)).toEqual(['console', securityLog]);
    // And LOG_DIR holds nothing but those files and the audit anchor (docs/OPERATIONS.md "Logs").
    await request(t.url).get('/api/nothing').set('X-Request-Id', 'sec-files').expect(404);
    await waitFor(entryFor('sec-files'));
    // The anchor is written to a temporary file beside it, then renamed over it (atomic).
    const documented = (name: string): boolean =>
      ['app.log', 'security.log', 'audit-anchor.json'].includes(name) ||
      /^audit-anchor\.json\.\d+\.tmp$/.test(name);
    expect(readdirSync(t.env.LOG_DIR).filter((name) => !documented(name))).toEqual([]);
  });

  it('does not log successful non-auth requests', async () => {
    await request(t.url).get('/health/live').set('X-Request-Id', 'sec-ok').expect(200);
    await request(t.url).get('/api/nothing').set('X-Request-Id', 'sec-after').expect(404);
    await waitFor(entryFor('sec-after'));
    expect(entryFor('sec-ok')()).toBeUndefined();
  });

  it('lets no secret reach security.log, app.log or the console, at any depth', async () => {
    const payload = {
      user: { email: 'ok@example.com', password: SECRETS[0] },
      session: { tokens: [{ refreshToken: SECRETS[1] }] },
      profile: { SSN: SECRETS[2], nested: { deeper: { 'bank-account': SECRETS[4] } } },
      config: { API_KEY: SECRETS[3] },
      headers: {
        authorization: `Bearer ${SECRETS[5]}`,
        Cookie: `__Host-refresh_token=${SECRETS[1]}`,
      },
    };
    t.app
      .get(SecurityLogger)
      .warn({ message: 'redaction probe', requestId: 'sec-redact', ...payload });
    const appLogger = t.app.get<LoggerService>(WINSTON_MODULE_NEST_PROVIDER);
    appLogger.warn({ message: 'app redaction probe', marker: 'app-redact', ...payload });
    appLogger.error({
      message: `free text with Bearer ${SECRETS[5]}`,
      marker: 'app-redact-2',
      password: SECRETS[0],
    });
    await waitFor(entryFor('sec-redact'));
    await waitFor(() => lines(appLog).find((l) => l.marker === 'app-redact-2'));
    // The console transports write on their own schedule: wait until the probes got there too.
    await waitFor(() =>
      output.text().includes('app-redact-2') && output.text().includes('redaction probe')
        ? true
        : undefined,
    );

    const everything = [
      readFileSync(securityLog, 'utf8'),
      readFileSync(appLog, 'utf8'),
      output.text(),
    ].join('\n');
    expect(everything).toContain('ok@example.com');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });

  it('cannot be made to forge a log line through CR/LF in a value or the path', async () => {
    t.app.get(SecurityLogger).info({
      message: 'auth attempt',
      requestId: 'sec-forge',
      email: 'victim@example.com\r\n{"forged":true}\n{"level":"info"}',
    });
    await request(t.url)
      .get('/api/x%0D%0A%7B%22forged%22%3Atrue%7D')
      .set('X-Request-Id', 'sec-forge-path')
      .expect(404);
    const entry = await waitFor(entryFor('sec-forge'));
    await waitFor(entryFor('sec-forge-path'));
    expect(String(entry.email)).toContain('victim@example.com');
    const all = lines(securityLog); // throws if any line is not JSON on its own
    expect(all.some((l) => 'forged' in l)).toBe(false);
    expect(readFileSync(securityLog, 'utf8')).not.toMatch(/\r/);
  });
});
