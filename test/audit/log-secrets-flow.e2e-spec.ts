import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, newUser, RELAXED_LIMITS } from '../support/auth-helpers';
import { captureOutput, type CapturedOutput } from '../support/capture-output';
import { startTestApp, type TestApp } from '../support/test-app';

// A whole account life over HTTP with the console at LOG_LEVEL info (everything the app logs), then
// every log file and everything printed is searched for the secrets that passed through: passwords,
// access and refresh tokens, the SSN and the bank account. Then a login with an email that tries to
// start a log line of its own.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every file under LOG_DIR (app.log, security.log and rotated ones), by name. */
function logFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Waits until no log file has grown for `quietMs`: the file transports have written what they got. */
async function logsSettled(dir: string, quietMs = 300): Promise<void> {
  let last = '';
  let since = Date.now();
  for (;;) {
    const sizes = JSON.stringify(
      Object.entries(logFiles(dir)).map(([p, text]) => [p, text.length]),
    );
    if (sizes !== last) {
      last = sizes;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
    await sleep(50);
  }
}

describe('no secret reaches any log, at LOG_LEVEL info', () => {
  let t: TestApp;
  let closed = false;
  let output: CapturedOutput;
  const secrets = new Map<string, string>(); // value → what it is
  const remember = (label: string, value: unknown): void => {
    expect(typeof value).toBe('string');
    expect((value as string).length).toBeGreaterThanOrEqual(8);
    secrets.set(value as string, label);
  };

  // A fresh app, LOG_DIR and console capture per test: the search below closes its app and reads
  // every line there is, so it plays the whole flow itself rather than count on its siblings'.
  beforeEach(async () => {
    secrets.clear();
    closed = false;
    output = captureOutput();
    t = await startTestApp({ ...RELAXED_LIMITS, LOG_LEVEL: 'info' });
  });
  afterEach(async () => {
    if (!closed) await t.close();
    output.restore();
  });

  async function fullAccountFlow(): Promise<void> {
    expect(t.env.LOG_LEVEL).toBe('info');
    const account = newUser();
    const wrong = `Wr0ng!${randomBytes(9).toString('base64url')}`;
    const next = `Nw!${randomBytes(9).toString('base64url')}7q`;
    const area = 100 + Math.floor(Math.random() * 500);
    const ssn = `${area}-${10 + Math.floor(Math.random() * 89)}-${1000 + Math.floor(Math.random() * 8999)}`;
    const bankAccount = `NL${Math.floor(Math.random() * 89) + 10}ABNA${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
    remember('password', account.password);
    remember('wrong password', wrong);
    remember('new password', next);
    remember('ssn', ssn);
    remember('ssn without dashes', ssn.replace(/-/g, ''));
    remember('bank account', bankAccount);
    const post = (path: string) => request(t.url).post(path).set('User-Agent', 'log-secrets-e2e');

    await post('/api/auth/register').send(account).expect(201);
    await post('/api/auth/login').send({ email: account.email, password: wrong }).expect(401);
    const login = await post('/api/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    remember('access token (login)', login.body.accessToken);
    remember('refresh token (login)', login.body.refreshToken);

    const byBody = await post('/api/auth/refresh')
      .send({ refreshToken: login.body.refreshToken })
      .expect(200);
    remember('access token (refresh, body)', byBody.body.accessToken);
    remember('refresh token (refresh, body)', byBody.body.refreshToken);
    const byCookie = await post('/api/auth/refresh')
      .set('Cookie', `__Host-refresh_token=${byBody.body.refreshToken}`)
      .expect(200);
    remember('access token (refresh, cookie)', byCookie.body.accessToken);
    remember('refresh token (refresh, cookie)', byCookie.body.refreshToken);
    // A spent refresh token presented again (reuse) and a made-up one: failures are logged too.
    await post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(401);
    const fresh = await post('/api/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    remember('access token (second login)', fresh.body.accessToken);
    remember('refresh token (second login)', fresh.body.refreshToken);
    const token = fresh.body.accessToken as string;

    await request(t.url)
      .put('/api/users/me/sensitive')
      .set(...bearer(token))
      .send({ ssn, bankAccount })
      .expect(204);
    const masked = await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(token))
      .expect(200);
    expect(masked.body.ssn).not.toBe(ssn);
    const revealed = await post('/api/users/me/sensitive/reveal')
      .set(...bearer(token))
      .send({ password: account.password })
      .expect(200);
    expect(revealed.body).toEqual({ ssn, bankAccount });
    // A wrong password on reveal and on password change: 401s carry no submitted value into a log.
    await post('/api/users/me/sensitive/reveal')
      .set(...bearer(token))
      .send({ password: wrong })
      .expect(401);
    await post('/api/users/me/password')
      .set(...bearer(token))
      .send({ currentPassword: wrong, newPassword: next })
      .expect(401);
    await post('/api/users/me/password')
      .set(...bearer(token))
      .send({ currentPassword: account.password, newPassword: next })
      .expect(204);
    // A validation failure on a body full of secrets (400, the pipe's message lists property names only).
    await post('/api/users/me/password')
      .set(...bearer(token))
      .send({ currentPassword: next, newPassword: next, extra: ssn })
      .expect(400);
    // A token in the query string is ignored, and must not be logged either.
    await request(t.url).get(`/api/users/me?access_token=${token}`).expect(401);
    await post('/api/auth/logout')
      .set(...bearer(token))
      .expect(204);
    await request(t.url)
      .get('/api/users/me')
      .set(...bearer(token))
      .set('X-Request-Id', 'log-flow-last')
      .expect(401);
    const relogin = await post('/api/auth/login')
      .send({ email: account.email, password: next })
      .expect(200);
    remember('access token (new password)', relogin.body.accessToken);
    remember('refresh token (new password)', relogin.body.refreshToken);
  }

  async function forgeryAttempts(): Promise<void> {
    const forgeries = [
      'x@example.org\r\n{"forged":true}',
      'x@example.org\n{"forged":true,"level":"info"}',
      'x@example.org\u2028{"forged":true}',
      'x@example.org\u2029{"forged":true}',
      'x@example.org\u0085{"forged":true}',
    ];
    for (const email of forgeries) {
      const res = await request(t.url)
        .post('/api/auth/login')
        .set('X-Request-Id', 'log-forge')
        .send({ email, password: 'whatever-Password-1!' });
      expect([400, 401]).toContain(res.status);
    }
    // Latin-1 controls are legal in a header value (obs-text); the user agent is logged.
    await request(t.url)
      .post('/api/auth/login')
      .set('User-Agent', 'agent\u0085{"forged":true}')
      .set('X-Request-Id', 'log-forge-ua')
      .send({ email: 'x@example.org', password: 'whatever-Password-1!' })
      .expect(401);
    await request(t.url)
      .get('/api/x%0D%0A%7B%22forged%22%3Atrue%7D%E2%80%A8%7B%22forged%22%3Atrue%7D')
      .set('X-Request-Id', 'log-forge-path')
      .expect(404);
  }

  it('runs a full account flow over HTTP', fullAccountFlow);

  it(
    'cannot forge a log line through CR/LF or U+2028/2029 in a login email or a header',
    forgeryAttempts,
  );

  it('leaves zero occurrences of any secret in LOG_DIR or on the console, and only whole JSON lines', async () => {
    await fullAccountFlow();
    await forgeryAttempts();
    const dir = t.env.LOG_DIR;
    const security = join(dir, 'security.log');
    await waitFor(() => {
      try {
        return readFileSync(security, 'utf8').includes('log-forge-path');
      } catch {
        return false;
      }
    }, 'the last request in security.log');
    // Closing flushes the security logger; then wait until no file grows any more.
    await t.close();
    closed = true;
    await logsSettled(dir);
    await waitFor(
      () => output.text().includes('log-forge-path'),
      'the last request on the console',
    );

    const files = logFiles(dir);
    expect(Object.keys(files).map((p) => p.slice(dir.length + 1))).toEqual(
      expect.arrayContaining(['app.log', 'security.log']),
    );
    // 6 passwords and values + 10 tokens; access tokens of one session signed within the same second
    // are identical (no jti), so a few of them may coincide.
    expect(secrets.size).toBeGreaterThanOrEqual(12);
    const consoleText = output.text();
    expect(consoleText).toContain('auth attempt'); // the console did get the info lines
    const leaks: string[] = [];
    for (const [where, text] of [...Object.entries(files), ['console', consoleText] as const]) {
      for (const [secret, label] of secrets) {
        if (text.includes(secret)) leaks.push(`${label} in ${where}`);
      }
    }
    expect(leaks).toEqual([]);

    // Every line of every file is one JSON object; none was forged.
    const forged: string[] = [];
    for (const [path, text] of Object.entries(files)) {
      expect(text).not.toMatch(/\r|\u2028|\u2029|\u0085/);
      for (const line of text.split('\n').filter(Boolean)) {
        let parsed: unknown;
        expect(() => (parsed = JSON.parse(line) as unknown)).not.toThrow();
        expect(typeof parsed).toBe('object');
        if (parsed && typeof parsed === 'object' && 'forged' in parsed)
          forged.push(`${path}: ${line}`);
      }
    }
    expect(forged).toEqual([]);
    const forgeEntries = readFileSync(security, 'utf8')
      .split('\n')
      .filter((l) => l.includes('log-forge'));
    // The forgery attempts were logged (5 emails, 1 user agent, 1 path), each on a line of its own.
    expect(forgeEntries).toHaveLength(7);
  });
});
