import request from 'supertest';
import {
  RELAXED_LIMITS,
  bearer,
  getMe,
  login,
  refreshWith,
  register,
  setCookieOf,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const COOKIE = '__Host-refresh_token';
const ORIGIN = 'https://app.example.org';

/**
 * Browsers ask for the refresh token in the cookie alone (`X-Token-Delivery: cookie`), where no
 * script of the page can read it; signing out drops what the browser kept for the site.
 */
describe('refresh token delivery and sign-out', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, CORS_ORIGINS: ORIGIN, PUBLIC_APP_URL: ORIGIN });
  });
  afterAll(() => t.close());

  const cookieOnly = (path: string) =>
    request(t.url).post(path).set('X-Token-Delivery', 'cookie').set('Origin', ORIGIN);

  it('with X-Token-Delivery: cookie, login and refresh put the refresh token in the cookie only', async () => {
    const user = await register(t);
    const signedIn = await cookieOnly('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(Object.keys(signedIn.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    const first = setCookieOf(signedIn, COOKIE).value;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await getMe(t, signedIn.body.accessToken).expect(200);

    const refreshed = await cookieOnly('/api/auth/refresh')
      .set('Cookie', `${COOKIE}=${first}`)
      .send({})
      .expect(200);
    expect(refreshed.body.refreshToken).toBeUndefined();
    const second = setCookieOf(refreshed, COOKIE).value;
    expect(second).not.toBe(first);
    await getMe(t, refreshed.body.accessToken).expect(200);
  });

  it('without the header the body carries the refresh token too (non-browser clients)', async () => {
    const user = await register(t);
    const res = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(res.body.refreshToken).toBe(setCookieOf(res, COOKIE).value);
  });

  it('any other value of the header changes nothing', async () => {
    const user = await register(t);
    const res = await request(t.url)
      .post('/api/auth/login')
      .set('X-Token-Delivery', 'body')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(res.body.refreshToken).toBe(setCookieOf(res, COOKIE).value);
  });

  it.each(['/api/auth/logout', '/api/auth/logout-all'])(
    '%s expires the cookie and answers Clear-Site-Data: "cache", "storage"',
    async (path) => {
      const user: LoggedIn = await login(t, await register(t));
      const res = await request(t.url)
        .post(path)
        .set(...bearer(user.accessToken))
        .send(path.endsWith('-all') ? { password: user.password } : {})
        .expect(204);
      expect(res.headers['clear-site-data']).toBe('"cache", "storage"');
      const cleared = setCookieOf(res, COOKIE);
      expect(cleared.value).toBe('');
      expect(cleared.attrs.get('path')).toBe('Path=/');
    },
  );

  describe('POST /logout with the refresh cookie alone (no Authorization header)', () => {
    const logoutWithCookie = (token: string) =>
      request(t.url).post('/api/auth/logout').set('Cookie', `${COOKIE}=${token}`).send({});

    it('ends the session the cookie continues: its access and refresh tokens die, audited', async () => {
      const user: LoggedIn = await login(t, await register(t));
      const other: LoggedIn = await login(t, user);
      const res = await logoutWithCookie(user.refreshToken).set('Origin', ORIGIN).expect(204);
      expect(res.headers['clear-site-data']).toBe('"cache", "storage"');
      expect(setCookieOf(res, COOKIE).value).toBe('');
      await getMe(t, user.accessToken).expect(401);
      await refreshWith(t, user.refreshToken).expect(401);
      await getMe(t, other.accessToken).expect(200);
      const [event] = await sql<{ metadata: Record<string, unknown> }>(
        t,
        `SELECT a.metadata FROM audit_events a JOIN users u ON u.id = a.user_id
          WHERE u.email = $1 AND a.type = 'auth.logout'`,
        [user.email],
      );
      expect(event?.metadata).toMatchObject({ signedOutWith: 'refresh_cookie' });
    });

    it('refuses a foreign Origin or a cross-site request (403), and the session lives on', async () => {
      const user: LoggedIn = await login(t, await register(t));
      await logoutWithCookie(user.refreshToken).set('Origin', 'https://evil.example').expect(403);
      await logoutWithCookie(user.refreshToken).set('Sec-Fetch-Site', 'cross-site').expect(403);
      await getMe(t, user.accessToken).expect(200);
    });

    it('a spent refresh token is reuse: 401, and the session it belonged to dies', async () => {
      const user: LoggedIn = await login(t, await register(t));
      const rotated = await refreshWith(t, user.refreshToken).expect(200);
      await logoutWithCookie(user.refreshToken).expect(401);
      await getMe(t, rotated.body.accessToken as string).expect(401);
    });

    it('without the cookie, or with an unknown one, answers 401', async () => {
      await request(t.url).post('/api/auth/logout').send({}).expect(401);
      await logoutWithCookie('x'.repeat(43)).expect(401);
    });

    it('an Authorization header that is present must be valid, cookie or not (401)', async () => {
      const user: LoggedIn = await login(t, await register(t));
      await logoutWithCookie(user.refreshToken)
        .set(...bearer('not-a-token'))
        .expect(401);
      await getMe(t, user.accessToken).expect(200);
    });
  });

  it('lets an allow-listed origin send the header (CORS preflight)', async () => {
    const res = await request(t.url)
      .options('/api/auth/login')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-token-delivery');
    expect(res.status).toBeLessThan(300);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'x-token-delivery',
    );
  });
});
