import { expectErrorBody } from '../support/error-body';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  ISO_UTC_RE,
  RELAXED_LIMITS,
  UUID_RE,
  bearer,
  getMe,
  loginAdmin,
  refreshWith,
  registerAndLogin,
  type LoggedIn,
} from '../support/auth-helpers';
import { USER_RESPONSE_KEYS } from '../support/response-shapes';
import { startTestApp, type TestApp } from '../support/test-app';

function expectUserResponse(body: Record<string, unknown>): void {
  expect(Object.keys(body).sort()).toEqual(USER_RESPONSE_KEYS);
  expect(body.id).toMatch(UUID_RE);
  expect(body.createdAt).toMatch(ISO_UTC_RE);
  expect(body.updatedAt).toMatch(ISO_UTC_RE);
  expect(['user', 'admin']).toContain(body.role);
}

describe('/api/users', () => {
  let t: TestApp;
  let admin: LoggedIn;
  let alice: LoggedIn;
  let bob: LoggedIn;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    admin = await loginAdmin(t);
    alice = await registerAndLogin(t);
    bob = await registerAndLogin(t);
  });
  afterAll(() => t.close());

  const as = (token: string) => ({
    get: (path: string) =>
      request(t.url)
        .get(path)
        .set(...bearer(token)),
    patch: (path: string, body: object) =>
      request(t.url)
        .patch(path)
        .set(...bearer(token))
        .send(body),
  });

  describe('GET /me and PATCH /me', () => {
    it('GET /me returns the caller as a UserResponse', async () => {
      const res = await getMe(t, alice.accessToken).expect(200);
      expectUserResponse(res.body);
      expect(res.body).toMatchObject({
        id: alice.id,
        email: alice.email,
        username: alice.username,
        role: 'user',
        isActive: true,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/hash|token|password/i);
    });

    it('PATCH /me changes the username', async () => {
      const username = `renamed_${randomBytes(4).toString('hex')}`;
      const res = await as(alice.accessToken).patch('/api/users/me', { username }).expect(200);
      expectUserResponse(res.body);
      expect(res.body).toMatchObject({ id: alice.id, username, email: alice.email });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(res.body.createdAt));
      expect((await getMe(t, alice.accessToken).expect(200)).body.username).toBe(username);
      alice.username = username;
    });

    it('PATCH /me with an empty body changes nothing', async () => {
      const res = await as(alice.accessToken).patch('/api/users/me', {}).expect(200);
      expect(res.body.username).toBe(alice.username);
    });

    it('409 for a username that is taken (in any case)', async () => {
      expectErrorBody(
        await as(alice.accessToken).patch('/api/users/me', { username: bob.username }),
        409,
      );
      expectErrorBody(
        await as(alice.accessToken).patch('/api/users/me', {
          username: bob.username.toUpperCase(),
        }),
        409,
      );
      expect((await getMe(t, alice.accessToken).expect(200)).body.username).toBe(alice.username);
    });

    it.each([
      ['an unknown field', { email: 'evil@example.org' }],
      ['role', { role: 'admin' }],
      ['isActive', { isActive: false }],
      ['a bad username', { username: 'no spaces allowed' }],
      ['a username of the wrong type', { username: 42 }],
    ])('400 for %s, and nothing changes', async (_what, body) => {
      const res = await as(alice.accessToken).patch('/api/users/me', body);
      expect(Array.isArray(expectErrorBody(res, 400).message)).toBe(true);
      const me = (await getMe(t, alice.accessToken).expect(200)).body;
      expect(me).toMatchObject({
        email: alice.email,
        username: alice.username,
        role: 'user',
        isActive: true,
      });
    });
  });

  describe('admin routes', () => {
    it.each([
      ['GET', '/api/users'],
      ['GET', '/api/users/:id'],
      ['PATCH', '/api/users/:id'],
    ])('403 for a non-admin on %s %s', async (method, path) => {
      const url = path.replace(':id', bob.id);
      const req =
        method === 'GET'
          ? as(alice.accessToken).get(url)
          : as(alice.accessToken).patch(url, { isActive: false });
      expectErrorBody(await req, 403);
      await getMe(t, bob.accessToken).expect(200); // bob was not deactivated
    });

    it('lists users with page and limit', async () => {
      await Promise.all([registerAndLogin(t), registerAndLogin(t)]);
      const first = await as(admin.accessToken).get('/api/users?page=1&limit=2').expect(200);
      expect(Object.keys(first.body).sort()).toEqual(['items', 'limit', 'page', 'total']);
      expect(first.body).toMatchObject({ page: 1, limit: 2 });
      expect(first.body.total).toBeGreaterThanOrEqual(5);
      expect(first.body.items).toHaveLength(2);
      (first.body.items as Array<Record<string, unknown>>).forEach(expectUserResponse);
      const second = await as(admin.accessToken).get('/api/users?page=2&limit=2').expect(200);
      expect(second.body.items).toHaveLength(2);
      const ids = [
        ...(first.body.items as Array<{ id: string }>),
        ...(second.body.items as Array<{ id: string }>),
      ].map((u) => u.id);
      expect(new Set(ids).size).toBe(4);
      const all = await as(admin.accessToken).get('/api/users').expect(200);
      expect(all.body).toMatchObject({ page: 1, limit: 20, total: first.body.total });
      expect((all.body.items as Array<{ id: string }>).map((u) => u.id)).toEqual(
        expect.arrayContaining([alice.id, bob.id, admin.id]),
      );
      const beyond = await as(admin.accessToken).get('/api/users?page=1000&limit=100').expect(200);
      expect(beyond.body.items).toEqual([]);
    });

    it.each([
      'limit=101',
      'limit=0',
      'page=0',
      'page=-1',
      'page=abc',
      'limit=1.5',
      'page=1&page=2',
      'limit=10&limit=20',
      'sort=email',
    ])('400 for ?%s', async (query) => {
      expectErrorBody(await as(admin.accessToken).get(`/api/users?${query}`), 400);
    });

    it('GET /:id returns the user; unknown uuid → 404; malformed → 400', async () => {
      const res = await as(admin.accessToken).get(`/api/users/${bob.id}`).expect(200);
      expectUserResponse(res.body);
      expect(res.body).toMatchObject({ id: bob.id, email: bob.email });
      expectErrorBody(await as(admin.accessToken).get(`/api/users/${randomUUID()}`), 404);
      expectErrorBody(await as(admin.accessToken).get('/api/users/not-a-uuid'), 400);
      expectErrorBody(await as(admin.accessToken).get("/api/users/1' OR '1'='1"), 400);
    });

    it('PATCH /:id unknown uuid → 404; malformed → 400; unknown property → 400', async () => {
      expectErrorBody(
        await as(admin.accessToken).patch(`/api/users/${randomUUID()}`, { isActive: false }),
        404,
      );
      expectErrorBody(
        await as(admin.accessToken).patch('/api/users/12345', { isActive: false }),
        400,
      );
      for (const body of [
        { email: 'x@example.org' },
        { isActive: false, passwordHash: 'x' },
        { username: 'hijack' },
      ]) {
        expectErrorBody(await as(admin.accessToken).patch(`/api/users/${bob.id}`, body), 400);
      }
      for (const body of [{ role: 'superuser' }, { isActive: 'false' }, { isActive: 0 }]) {
        expectErrorBody(await as(admin.accessToken).patch(`/api/users/${bob.id}`, body), 400);
      }
      await getMe(t, bob.accessToken).expect(200);
      expect((await getMe(t, bob.accessToken)).body).toMatchObject({
        role: 'user',
        isActive: true,
        email: bob.email,
      });
    });

    it('isActive:false takes effect on the user’s very next request', async () => {
      const victim = await registerAndLogin(t);
      await getMe(t, victim.accessToken).expect(200);
      const res = await as(admin.accessToken)
        .patch(`/api/users/${victim.id}`, { isActive: false })
        .expect(200);
      expectUserResponse(res.body);
      expect(res.body).toMatchObject({ id: victim.id, isActive: false });
      expectErrorBody(await getMe(t, victim.accessToken), 401);
      expectErrorBody(await refreshWith(t, victim.refreshToken), 401);
      expectErrorBody(
        await request(t.url)
          .post('/api/auth/login')
          .send({ email: victim.email, password: victim.password }),
        401,
      );
      expect(
        (await as(admin.accessToken).get(`/api/users/${victim.id}`).expect(200)).body.isActive,
      ).toBe(false);
      // Reactivation does not revive the old session: deactivation revoked it for good.
      await as(admin.accessToken).patch(`/api/users/${victim.id}`, { isActive: true }).expect(200);
      expectErrorBody(await getMe(t, victim.accessToken), 401);
      expectErrorBody(await refreshWith(t, victim.refreshToken), 401);
    });

    it('role:admin promotes the user, effective on their next request', async () => {
      const promoted = await registerAndLogin(t);
      expectErrorBody(await as(promoted.accessToken).get('/api/users'), 403);
      const res = await as(admin.accessToken)
        .patch(`/api/users/${promoted.id}`, { role: 'admin' })
        .expect(200);
      expect(res.body).toMatchObject({ id: promoted.id, role: 'admin', isActive: true });
      await as(promoted.accessToken).get('/api/users').expect(200);
      await as(admin.accessToken).patch(`/api/users/${promoted.id}`, { role: 'user' }).expect(200);
      expectErrorBody(await as(promoted.accessToken).get('/api/users'), 403);
    });

    it('an admin cannot deactivate or demote themselves', async () => {
      expectErrorBody(
        await as(admin.accessToken).patch(`/api/users/${admin.id}`, { isActive: false }),
        400,
      );
      expectErrorBody(
        await as(admin.accessToken).patch(`/api/users/${admin.id}`, { role: 'user' }),
        400,
      );
      await as(admin.accessToken).get('/api/users').expect(200);
    });
  });
});
