import { expectErrorBody } from '../support/error-body';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  ISO_UTC_RE,
  RELAXED_LIMITS,
  UUID_RE,
  bearer,
  decodeJwt,
  getMe,
  login,
  refreshWith,
  register,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

interface SessionBody {
  id: string;
  userAgent: string | null;
  current: boolean;
}

const sidOf = (s: LoggedIn): string => decodeJwt(s.accessToken).payload.sid as string;

describe('sessions: logout, logout-all, list, revoke, password change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
  });
  afterAll(() => t.close());

  /** One account with `n` logged-in sessions. */
  async function sessions(n: number): Promise<LoggedIn[]> {
    const user = await register(t);
    const out: LoggedIn[] = [];
    for (let i = 0; i < n; i++) out.push(await login(t, user));
    return out;
  }
  const post = (path: string, token: string) =>
    request(t.url)
      .post(path)
      .set(...bearer(token));

  describe('POST /api/auth/logout', () => {
    it('204, then that access token is rejected on the very next request; other sessions still work', async () => {
      const [a, b] = await sessions(2);
      await getMe(t, a.accessToken).expect(200);
      const res = await post('/api/auth/logout', a.accessToken).expect(204);
      expect(res.text).toBe('');
      const cleared = ([] as string[])
        .concat(res.headers['set-cookie'] ?? [])
        .find((l) => l.startsWith('__Host-refresh_token='));
      expect(cleared).toMatch(/^__Host-refresh_token=;/);
      expectErrorBody(await getMe(t, a.accessToken), 401);
      expectErrorBody(await refreshWith(t, a.refreshToken), 401);
      expectErrorBody(await post('/api/auth/logout', a.accessToken), 401);
      await getMe(t, b.accessToken).expect(200);
      await refreshWith(t, b.refreshToken).expect(200);
    });
  });

  describe('POST /api/auth/logout-all', () => {
    it('204, then every session of the user is dead; another user is untouched', async () => {
      const all = await sessions(3);
      const [stranger] = await sessions(1);
      await post('/api/auth/logout-all', all[1].accessToken).expect(204);
      for (const s of all) {
        expectErrorBody(await getMe(t, s.accessToken), 401);
        expectErrorBody(await refreshWith(t, s.refreshToken), 401);
      }
      await getMe(t, stranger.accessToken).expect(200);
      // Logging in again opens a fresh, working session.
      await getMe(t, (await login(t, all[0])).accessToken).expect(200);
    });
  });

  describe('GET /api/auth/sessions', () => {
    it('lists the live sessions of the caller, flagging the current one', async () => {
      const [a, b, c] = await sessions(3);
      await sessions(1); // someone else's session must never show up
      await post('/api/auth/logout', c.accessToken).expect(204);
      const res = await request(t.url)
        .get('/api/auth/sessions')
        .set(...bearer(a.accessToken))
        .expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      const list = res.body as SessionBody[];
      expect(list.map((s) => s.id).sort()).toEqual([sidOf(a), sidOf(b)].sort());
      for (const s of list) {
        expect(s).toEqual({
          id: expect.stringMatching(UUID_RE),
          createdAt: expect.stringMatching(ISO_UTC_RE),
          lastUsedAt: expect.stringMatching(ISO_UTC_RE),
          expiresAt: expect.stringMatching(ISO_UTC_RE),
          ip: expect.any(String),
          userAgent: s.userAgent === null ? null : expect.any(String),
          current: s.id === sidOf(a),
        });
        expect(JSON.stringify(s)).not.toMatch(/token|hash/i);
      }
      expect(list.filter((s) => s.current)).toHaveLength(1);
      const fromB = await request(t.url)
        .get('/api/auth/sessions')
        .set(...bearer(b.accessToken))
        .expect(200);
      expect((fromB.body as SessionBody[]).find((s) => s.current)?.id).toBe(sidOf(b));
    });
  });

  describe('DELETE /api/auth/sessions/:id', () => {
    let a: LoggedIn;
    let b: LoggedIn;
    let stranger: LoggedIn;
    // Fresh sessions per test: a revocation in one test must not decide another's outcome.
    beforeEach(async () => {
      [a, b] = await sessions(2);
      [stranger] = await sessions(1);
    });

    it('204 for another session of the caller; that session’s token is then rejected', async () => {
      await request(t.url)
        .delete(`/api/auth/sessions/${sidOf(b)}`)
        .set(...bearer(a.accessToken))
        .expect(204);
      expectErrorBody(await getMe(t, b.accessToken), 401);
      expectErrorBody(await refreshWith(t, b.refreshToken), 401);
      await getMe(t, a.accessToken).expect(200);
    });

    it('404 for a session already revoked', async () => {
      await request(t.url)
        .delete(`/api/auth/sessions/${sidOf(b)}`)
        .set(...bearer(a.accessToken))
        .expect(204);
      expectErrorBody(
        await request(t.url)
          .delete(`/api/auth/sessions/${sidOf(b)}`)
          .set(...bearer(a.accessToken)),
        404,
      );
    });

    it('404 for another user’s session id, which stays alive', async () => {
      const res = await request(t.url)
        .delete(`/api/auth/sessions/${sidOf(stranger)}`)
        .set(...bearer(a.accessToken));
      expectErrorBody(res, 404);
      await getMe(t, stranger.accessToken).expect(200);
    });

    it('404 for an unknown uuid; 400 for a malformed id', async () => {
      expectErrorBody(
        await request(t.url)
          .delete(`/api/auth/sessions/${randomUUID()}`)
          .set(...bearer(a.accessToken)),
        404,
      );
      for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`]) {
        const res = await request(t.url)
          .delete(`/api/auth/sessions/${bad}`)
          .set(...bearer(a.accessToken));
        expectErrorBody(res, 400);
        expect(JSON.stringify(res.body.message)).not.toContain(bad);
      }
    });

    it('the caller may revoke its own current session', async () => {
      const [x] = await sessions(1);
      await request(t.url)
        .delete(`/api/auth/sessions/${sidOf(x)}`)
        .set(...bearer(x.accessToken))
        .expect(204);
      expectErrorBody(await getMe(t, x.accessToken), 401);
    });
  });

  describe('POST /api/users/me/password', () => {
    const NEW_PASSWORD = 'Tw!ce-Brewed-Lantern-84';
    let user: TestUser;
    let current: LoggedIn;
    let other: LoggedIn;
    // A fresh account per test: the successful change must not leave the others a stale password.
    beforeEach(async () => {
      user = await register(t);
      current = await login(t, user);
      other = await login(t, user);
    });
    const change = (token: string, body: object) =>
      request(t.url)
        .post('/api/users/me/password')
        .set(...bearer(token))
        .send(body);

    it('401 for a wrong currentPassword, and nothing changes', async () => {
      const res = await change(current.accessToken, {
        currentPassword: `${user.password}x`,
        newPassword: NEW_PASSWORD,
      });
      expectErrorBody(res, 401);
      expect(JSON.stringify(res.body)).not.toContain(NEW_PASSWORD);
      await getMe(t, other.accessToken).expect(200);
      await login(t, user);
    });

    it.each([
      ['too short', 'Ab1!short'],
      ['common', 'Password123!'],
      ['without a digit', 'Tw!ce-Brewed-Lantern'],
    ])('400 for a weak new password (%s), never echoed', async (_rule, weak) => {
      const res = await change(current.accessToken, {
        currentPassword: user.password,
        newPassword: weak,
      });
      const body = expectErrorBody(res, 400);
      expect(Array.isArray(body.message)).toBe(true);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(weak);
      expect(text).not.toContain(user.password);
      await getMe(t, other.accessToken).expect(200);
    });

    it('400 for a new password containing the username', async () => {
      const res = await change(current.accessToken, {
        currentPassword: user.password,
        newPassword: `Qz!7${user.username}W`,
      });
      expect(expectErrorBody(res, 400).message).toEqual(
        expect.arrayContaining([expect.stringMatching(/username/)]),
      );
    });

    it('400 for unknown properties', async () => {
      const res = await change(current.accessToken, {
        currentPassword: user.password,
        newPassword: NEW_PASSWORD,
        userId: user.id,
      });
      expectErrorBody(res, 400);
    });

    it('204: the other sessions die, the current one lives, the new password logs in and the old does not', async () => {
      const res = await change(current.accessToken, {
        currentPassword: user.password,
        newPassword: NEW_PASSWORD,
      }).expect(204);
      expect(res.text).toBe('');
      expectErrorBody(await getMe(t, other.accessToken), 401);
      expectErrorBody(await refreshWith(t, other.refreshToken), 401);
      await getMe(t, current.accessToken).expect(200);
      await refreshWith(t, current.refreshToken).expect(200);
      const oldLogin = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: user.password });
      expectErrorBody(oldLogin, 401);
      await login(t, { ...user, password: NEW_PASSWORD });
    });
  });

  it('every route here needs a bearer token', async () => {
    expectErrorBody(await request(t.url).post('/api/auth/logout'), 401);
    expectErrorBody(await request(t.url).post('/api/auth/logout-all'), 401);
    expectErrorBody(await request(t.url).get('/api/auth/sessions'), 401);
    expectErrorBody(await request(t.url).delete(`/api/auth/sessions/${randomUUID()}`), 401);
    expectErrorBody(
      await request(t.url)
        .post('/api/users/me/password')
        .send({ currentPassword: 'x', newPassword: 'y' }),
      401,
    );
  });
});
