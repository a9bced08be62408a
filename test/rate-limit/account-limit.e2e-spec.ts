import request from 'supertest';
import { bearer, login, register, sql, type TestUser } from '../support/auth-helpers';
import { expectErrorBody, expectRetryAfter } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

/** Client addresses through a trusted proxy: each test speaks from networks of its own. */
let nextNetwork = 1;
const network = (): ((host: number) => string) => {
  const n = nextNetwork++;
  return (host) => `100.64.${n}.${host}`;
};

/** The failure limits' window: 15 minutes, the default, stated so the Retry-After check can use it. */
const WINDOW_SECONDS = 900;

describe('the account limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '100000',
      LOGIN_FAILURE_MAX: '5',
      LOGIN_FAILURE_ACCOUNT_MAX: '8',
      RATE_LIMIT_WINDOW_MS: String(WINDOW_SECONDS * 1000),
    });
  });
  afterAll(() => t.close());

  const loginFrom = (ip: string, email: string, password: string) =>
    request(t.url).post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  async function signedIn(ip: string): Promise<TestUser & { accessToken: string }> {
    const user = await register(t);
    const res = await loginFrom(ip, user.email, user.password).expect(200);
    return { ...user, accessToken: res.body.accessToken as string };
  }

  const eventsOf = async (type: string, userId: string): Promise<number> =>
    (
      await sql<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND user_id = $2',
        [type, userId],
      )
    )[0].n;

  it('counts wrong passwords on reveal as login failures: 429 after the limit, on login too, audited', async () => {
    const ip = network()(7);
    const user = await signedIn(ip);
    const reveal = (password: string) =>
      request(t.url)
        .post('/api/users/me/sensitive/reveal')
        .set('X-Forwarded-For', ip)
        .set(...bearer(user.accessToken))
        .send({ password });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await reveal('Wrong-Guess-123!')).status);
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
    const refused = await reveal(user.password);
    expectErrorBody(refused, 429);
    expectRetryAfter(refused, WINDOW_SECONDS);
    expectErrorBody(await loginFrom(ip, user.email, user.password), 429);
    expect(await eventsOf('auth.reauth.failure', user.id)).toBe(5);
  });

  it('counts wrong current passwords on password change the same way', async () => {
    const ip = network()(7);
    const user = await signedIn(ip);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await request(t.url)
        .post('/api/users/me/password')
        .set('X-Forwarded-For', ip)
        .set(...bearer(user.accessToken))
        .send({ currentPassword: 'Wrong-Guess-123!', newPassword: 'Another-Strong-Pass-9!' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(3).fill(429)]);
    expect(await eventsOf('auth.reauth.failure', user.id)).toBe(5);
  });

  it('reserves before bcrypt: of 20 parallel wrong logins at most 5 are checked', async () => {
    const user = await register(t);
    const ip = network()(9);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => loginFrom(ip, user.email, 'Wrong-Guess-123!')),
    );
    const checked = answers.filter((res) => res.status === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(answers.filter((res) => res.status === 429).length).toBe(20 - checked);
    expect(await eventsOf('auth.login.failure', user.id)).toBe(checked);
  });

  it('counts per client network: a network that guessed too often does not lock the owner out elsewhere', async () => {
    const user = await register(t);
    const attacker = network();
    for (let i = 0; i < 5; i++)
      await loginFrom(attacker(i + 1), user.email, 'Wrong-Guess-123!').expect(401);
    expectErrorBody(await loginFrom(attacker(200), user.email, user.password), 429); // same /24
    await loginFrom(network()(1), user.email, user.password).expect(200);
  });

  it('stops every network once the account-wide ceiling is reached', async () => {
    const user = await register(t);
    const [a, b, c, d] = [network(), network(), network(), network()];
    for (let i = 0; i < 5; i++) await loginFrom(a(1), user.email, 'Wrong-Guess-123!').expect(401);
    for (let i = 0; i < 3; i++) await loginFrom(b(1), user.email, 'Wrong-Guess-123!').expect(401);
    expectErrorBody(await loginFrom(c(1), user.email, 'Wrong-Guess-123!'), 429);
    expectErrorBody(await loginFrom(d(1), user.email, user.password), 429);
  });
});

describe('reveal and password change carry the auth rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '3',
      LOGIN_FAILURE_MAX: '100000',
      LOGIN_FAILURE_ACCOUNT_MAX: '100000',
    });
  });
  afterAll(() => t.close());

  it('AUTH_RATE_LIMIT_MAX per IP on /users/me/sensitive/reveal, whatever the password', async () => {
    const user = await login(t, await register(t));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(t.url)
        .post('/api/users/me/sensitive/reveal')
        .set(...bearer(user.accessToken))
        .send({ password: user.password });
      statuses.push(res.status);
      if (i === 0) expect(res.headers['ratelimit-limit']).toBe('3');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
