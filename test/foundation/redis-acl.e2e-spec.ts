import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import request from 'supertest';
import { AuditAnchor } from '../../src/audit/audit-anchor';
import { RELAXED_LIMITS, register } from '../support/auth-helpers';
import { captureOutput } from '../support/capture-output';
import { startPrivateRedis, type PrivateRedis, type RedisLogin } from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const ACL_FILE = join(__dirname, '..', '..', 'docker', 'redis', 'users.acl');

/** The commands the file grants the user `app` (`+name`), as INFO commandstats names them. */
function grantedCommands(): string[] {
  const line = readFileSync(ACL_FILE, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('user app '));
  if (!line) throw new Error(`no "user app" line in ${ACL_FILE}`);
  return line
    .split(' ')
    .filter((token) => token.startsWith('+'))
    .map((token) => token.slice(1))
    .sort();
}

/** INFO commandstats: each command's calls and the calls refused before running (ACL, arity). */
async function commandStats(
  observer: Redis,
): Promise<Map<string, { calls: number; rejected: number }>> {
  const stats = new Map<string, { calls: number; rejected: number }>();
  for (const line of (await observer.info('commandstats')).split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),.*rejected_calls=(\d+)/.exec(line);
    if (match) stats.set(match[1], { calls: Number(match[2]), rejected: Number(match[3]) });
  }
  return stats;
}

/** The error a command is answered with ('' when it succeeds). */
async function refusal(command: Promise<unknown>): Promise<string> {
  return command.then(
    () => '',
    (error: Error) => error.message,
  );
}

/**
 * The deployment's Redis users (docker/redis/users.acl, ASVS 5.0 13.2.1 and 13.2.2), on a
 * redis-server started the way the compose stack starts it: the default user off, the application
 * logged in as `app`. The app's Redis features work under the file, and use every command it
 * grants (a command granted but unused, or used but not granted, fails); `app` is refused
 * everything else. A test-only `observer` user, appended to a copy of the file, reads the server's
 * statistics; the app's lines are the committed ones, unchanged.
 */
describe('Redis as a least-privilege user (docker/redis/users.acl)', () => {
  const appLogin: RedisLogin = { username: 'app', password: randomBytes(24).toString('hex') };
  const observerLogin: RedisLogin = {
    username: 'observer',
    password: randomBytes(24).toString('hex'),
  };
  let redis: PrivateRedis;
  let observer: Redis;
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    const template = join(mkdtempSync(join(tmpdir(), 'snf-acl-')), 'users.acl');
    writeFileSync(
      template,
      `${readFileSync(ACL_FILE, 'utf8')}\nuser observer on >${observerLogin.password} ~* &* +@all\n`,
    );
    redis = await startPrivateRedis({
      template,
      appPassword: appLogin.password,
      probe: appLogin,
    });
    observer = redis.client(observerLogin);
    db = await createTestDatabase();
    // Database 1: SELECT, which the file grants for a REDIS_URL naming a database, is sent too.
    const url = `redis://app:${appLogin.password}@127.0.0.1:${redis.port}/1`;
    t = await startTestApp({ ...RELAXED_LIMITS, LOGIN_FAILURE_MAX: '3', REDIS_URL: url }, db);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    observer?.disconnect();
    await redis?.stop();
  });

  const loginAs = (email: string, password: string) =>
    request(t.url).post('/api/auth/login').send({ email, password });

  it('runs readiness, the login failure counters and the audit anchor in Redis, using exactly the granted commands', async () => {
    // PING
    expect((await request(t.url).get('/health/ready').expect(200)).body.redis).toBe('up');
    // The account limit: EVAL then EVALSHA of the counting script (INCR, PTTL, PEXPIRE), a right
    // password forgives (DEL, and the release script: GET, DECR), the 4th failure in a row blocks
    // (SET); every audited sign-in moves the audit anchor (its script: GET, SET).
    const user = await register(t);
    const statuses: number[] = [];
    for (const password of ['Wrong-Password-1!', 'Wrong-Password-2!', user.password])
      statuses.push((await loginAs(user.email, password)).status);
    for (let i = 0; i < 4; i++)
      statuses.push((await loginAs(user.email, `Wrong-Password-${i}!`)).status);
    expect(statuses).toEqual([401, 401, 200, 401, 401, 401, 429]);
    // The anchor read back (GET) from Redis.
    expect(await t.app.get(AuditAnchor).latest()).toEqual({
      seq: expect.any(String),
      hash: expect.any(String),
    });

    expect(await observer.call('ACL', 'LOG')).toEqual([]); // nothing was refused, in scripts either
    const stats = await commandStats(observer);
    const observers = new Set(['auth', 'info', 'acl|log']);
    const used = [...stats]
      .filter(([name, { calls }]) => calls > 0 && !observers.has(name))
      .map(([name]) => name)
      .sort();
    expect(used).toEqual(grantedCommands());
    expect([...stats].filter(([, { rejected }]) => rejected > 0)).toEqual([]);
  });

  it('keeps the app to its own key prefixes', async () => {
    const inDatabase1 = redis.client(observerLogin);
    try {
      await inDatabase1.select(1);
      const keys = await inDatabase1.keys('*');
      const prefixes = new Set(keys.map((key) => key.split(':')[0]));
      expect([...prefixes].sort()).toEqual(['audit-anchor', 'throttle']);
    } finally {
      inDatabase1.disconnect();
    }
  });

  it('refuses the app user every other command, key and channel', async () => {
    await observer.set('other:secret', 'x');
    const app = redis.client(appLogin);
    try {
      expect(await app.ping()).toBe('PONG');
      const refused = {
        flushall: await refusal(app.flushall()),
        configGet: await refusal(app.config('GET', 'maxmemory')),
        keys: await refusal(app.keys('*')),
        scan: await refusal(app.scan(0)),
        info: await refusal(app.info()),
        foreignKey: await refusal(app.get('other:secret')),
        foreignKeyFromScript: await refusal(
          app.eval("return redis.call('GET', KEYS[1])", 1, 'other:secret'),
        ),
        undeclaredKeyFromScript: await refusal(
          app.eval("return redis.call('GET', 'other:secret')", 0),
        ),
        flushallFromScript: await refusal(app.eval("return redis.call('FLUSHALL')", 0)),
        publish: await refusal(app.publish('channel', 'message')),
        widenItself: await refusal(app.call('ACL', 'SETUSER', 'app', '+@all', '~*')),
        scriptFlush: await refusal(app.script('FLUSH')),
      };
      for (const [attempt, message] of Object.entries(refused))
        expect({ attempt, refused: /NOPERM|can't access|can't run/.test(message) }).toEqual({
          attempt,
          refused: true,
        });
      expect(await observer.get('other:secret')).toBe('x');
    } finally {
      app.disconnect();
    }
  });

  it('leaves an app with the wrong password out (Redis reported down), and logs neither password', async () => {
    const wrong = randomBytes(24).toString('hex');
    const output = captureOutput();
    let intruder: TestApp | undefined;
    try {
      intruder = await startTestApp(
        { LOG_LEVEL: 'warn', REDIS_URL: `redis://app:${wrong}@127.0.0.1:${redis.port}/1` },
        db,
      );
      expect((await request(intruder.url).get('/health/ready').expect(200)).body.redis).toBe(
        'down',
      );
    } finally {
      await intruder?.close();
      output.restore();
    }
    const warning = output
      .text()
      .split('\n')
      .filter((line) => line.includes('"context":"Redis"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
    expect(warning).toMatchObject({ message: 'Redis unavailable', detail: /^WRONGPASS/ });
    expect(output.text()).not.toContain(wrong);
    expect(output.text()).not.toContain(appLogin.password);
  });

  it('answers nobody who has not logged in as a user of the file: the default user is off', async () => {
    const anonymous = redis.client();
    try {
      expect(await refusal(anonymous.ping())).toMatch(/NOAUTH/);
      expect(await refusal(anonymous.call('AUTH', 'default', ''))).toMatch(/WRONGPASS/);
      expect(await refusal(anonymous.call('AUTH', 'app', 'not-the-password'))).toMatch(/WRONGPASS/);
    } finally {
      anonymous.disconnect();
    }
  });
});
