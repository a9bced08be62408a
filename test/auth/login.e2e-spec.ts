import { expectErrorBody } from '../support/error-body';
import request from 'supertest';
import {
  RELAXED_LIMITS,
  UUID_RE,
  bearer,
  decodeJwt,
  getMe,
  loginAdmin,
  register,
  type LoggedIn,
  type TestUser,
  setCookieOf,
  sql,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

/** The Set-Cookie line for `name`, split into its value and lower-cased attribute names → raw attribute. */
describe('POST /api/auth/login', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const post = (body: object) => request(t.url).post('/api/auth/login').send(body);

  describe('success', () => {
    let user: TestUser;
    let res: request.Response;
    beforeAll(async () => {
      user = await register(t);
      res = await post({ email: user.email, password: user.password });
    });

    it('200 with exactly the TokenPair shape', () => {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
    });

    it('sets the refresh cookie: __Host- prefixed, HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=259200', () => {
      const c = setCookieOf(res, '__Host-refresh_token');
      expect(c.value).toBe(res.body.refreshToken);
      expect(c.attrs.get('httponly')).toBe('HttpOnly');
      expect(c.attrs.get('secure')).toBe('Secure');
      expect(c.attrs.get('samesite')).toBe('SameSite=Strict');
      expect(c.attrs.get('path')).toBe('Path=/');
      expect(c.attrs.get('max-age')).toBe('Max-Age=259200');
      expect(c.attrs.has('domain')).toBe(false);
    });

    it('issues an EdDSA access JWT naming its kid, with iss, aud, sub, sid, typ and a 900 s lifetime', async () => {
      const { header, payload } = decodeJwt(res.body.accessToken);
      expect(header.alg).toBe('EdDSA');
      expect(header.kid).toEqual(expect.any(String));
      expect(payload).toMatchObject({
        iss: t.env.JWT_ISSUER,
        aud: t.env.JWT_AUDIENCE,
        sub: user.id,
        sid: expect.stringMatching(UUID_RE),
        typ: 'access',
      });
      expect(typeof payload.iat).toBe('number');
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
      expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(60);
      // The session named by sid is a live session of this user.
      const rows = await sql<{ user_id: string }>(
        t,
        'SELECT user_id FROM sessions WHERE id = $1 AND revoked_at IS NULL',
        [payload.sid],
      );
      expect(rows).toEqual([{ user_id: user.id }]);
    });

    it('the access token authenticates the user', async () => {
      const me = await getMe(t, res.body.accessToken).expect(200);
      expect(me.body.id).toBe(user.id);
    });

    it('each login opens a new session', async () => {
      const again = await post({ email: user.email, password: user.password }).expect(200);
      expect(decodeJwt(again.body.accessToken).payload.sid).not.toBe(
        decodeJwt(res.body.accessToken).payload.sid,
      );
      expect(again.body.refreshToken).not.toBe(res.body.refreshToken);
    });
  });

  it('accepts the email in another case and with surrounding spaces', async () => {
    const user = await register(t);
    const res = await post({
      email: `  ${user.email.toUpperCase()} `,
      password: user.password,
    }).expect(200);
    expect(decodeJwt(res.body.accessToken).payload.sub).toBe(user.id);
  });

  describe('failures', () => {
    let user: TestUser;
    let inactive: TestUser;
    beforeAll(async () => {
      user = await register(t);
      inactive = await register(t);
      await request(t.url)
        .patch(`/api/users/${inactive.id}`)
        .set(...bearer(admin.accessToken))
        .send({ isActive: false })
        .expect(200);
    });

    it('401 with one identical body for an unknown email, a wrong password and a deactivated user', async () => {
      const attempts = [
        { email: `nobody.${user.username}@example.org`, password: user.password },
        { email: user.email, password: `${user.password}x` },
        { email: inactive.email, password: inactive.password },
      ];
      const bodies = [];
      for (const attempt of attempts) {
        const res = await post(attempt);
        const body = expectErrorBody(res, 401);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(JSON.stringify(body)).not.toContain(attempt.password);
        expect(JSON.stringify(body)).not.toContain(attempt.email);
        bodies.push({ ...body, requestId: undefined });
      }
      expect(bodies[0]).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
        requestId: undefined,
      });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('opens no session on failure', async () => {
      // Accounts of its own: a sibling test signs the deactivated user in again once reactivated.
      const refused = await register(t);
      const deactivated = await register(t);
      await request(t.url)
        .patch(`/api/users/${deactivated.id}`)
        .set(...bearer(admin.accessToken))
        .send({ isActive: false })
        .expect(200);
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: refused.email, password: `${refused.password}x` })
        .expect(401);
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: deactivated.email, password: deactivated.password })
        .expect(401);
      const rows = await sql<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = ANY($1)',
        [[refused.id, deactivated.id]],
      );
      expect(rows[0].n).toBe(0);
    });

    it('a deactivated user can log in again once reactivated', async () => {
      // An account of its own: the shared deactivated one must stay deactivated for its siblings.
      const returning = await register(t);
      const setActive = (isActive: boolean) =>
        request(t.url)
          .patch(`/api/users/${returning.id}`)
          .set(...bearer(admin.accessToken))
          .send({ isActive })
          .expect(200);
      await setActive(false);
      expectErrorBody(await post({ email: returning.email, password: returning.password }), 401);
      await setActive(true);
      await post({ email: returning.email, password: returning.password }).expect(200);
    });

    it('400 (not 401) for a body of the wrong shape, and unknown properties', async () => {
      expectErrorBody(await post({ email: user.email }), 400);
      expectErrorBody(
        await post({ email: user.email, password: user.password, remember: true }),
        400,
      );
      const res = await post({ email: ['x'], password: 12 });
      expectErrorBody(res, 400);
    });

    it('the password is compared exactly (no case folding, no trimming)', async () => {
      expectErrorBody(
        await post({ email: user.email, password: user.password.toUpperCase() }),
        401,
      );
      expectErrorBody(await post({ email: user.email, password: ` ${user.password}` }), 401);
    });
  });
});
