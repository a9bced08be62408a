import { expectErrorBody } from '../support/error-body';
import request from 'supertest';
import {
  RELAXED_LIMITS,
  bearer,
  decodeJwt,
  getMe,
  login,
  refreshWith,
  register,
  registerAndLogin,
  type LoggedIn,
  sql,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const sidOf = (accessToken: string): string => decodeJwt(accessToken).payload.sid as string;

describe('POST /api/auth/refresh', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
  });
  afterAll(() => t.close());

  async function session(
    sid: string,
  ): Promise<{ expires_at: Date; revoked_at: Date | null; revoked_reason: string | null }> {
    const [row] = await sql<{
      expires_at: Date;
      revoked_at: Date | null;
      revoked_reason: string | null;
    }>(t, 'SELECT expires_at, revoked_at, revoked_reason FROM sessions WHERE id = $1', [sid]);
    return row;
  }

  it('rotates with the token in the body: new pair, new cookie, same session', async () => {
    const user = await registerAndLogin(t);
    const res = await refreshWith(t, user.refreshToken).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(res.body.refreshToken).not.toBe(user.refreshToken);
    expect(sidOf(res.body.accessToken)).toBe(sidOf(user.accessToken));
    const setCookie = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((l) => l.startsWith('__Host-refresh_token='));
    expect(setCookie).toContain(`__Host-refresh_token=${res.body.refreshToken}`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/; Path=\/;/);
    expect((await getMe(t, res.body.accessToken).expect(200)).body.id).toBe(user.id);
    // The new refresh token is itself good for one more rotation.
    await refreshWith(t, res.body.refreshToken).expect(200);
  });

  it('rotates with the refresh cookie only (no body)', async () => {
    const user = await registerAndLogin(t);
    const res = await request(t.url)
      .post('/api/auth/refresh')
      .set('Cookie', `__Host-refresh_token=${user.refreshToken}`)
      .expect(200);
    expect(res.body.refreshToken).not.toBe(user.refreshToken);
    expect(sidOf(res.body.accessToken)).toBe(sidOf(user.accessToken));
    // and with an empty JSON body
    const again = await request(t.url)
      .post('/api/auth/refresh')
      .set('Cookie', `__Host-refresh_token=${res.body.refreshToken}`)
      .send({})
      .expect(200);
    await getMe(t, again.body.accessToken).expect(200);
  });

  it('401 without any refresh token', async () => {
    expectErrorBody(await request(t.url).post('/api/auth/refresh').send({}), 401);
  });

  it('401 for a well-formed token that was never issued', async () => {
    expectErrorBody(await refreshWith(t, 'A'.repeat(43)), 401);
  });

  describe('reuse of a spent token', () => {
    let user: LoggedIn;
    let other: LoggedIn;
    let rotated: { accessToken: string; refreshToken: string };
    let reuse: request.Response;
    beforeAll(async () => {
      user = await registerAndLogin(t);
      other = await login(t, user); // a second session of the same user
      rotated = (await refreshWith(t, user.refreshToken).expect(200)).body;
      reuse = await refreshWith(t, user.refreshToken); // each test below checks one consequence
    });

    it('401 for the spent token', () => {
      const body = expectErrorBody(reuse, 401);
      expect(JSON.stringify(body)).not.toContain(user.refreshToken);
    });

    it('revokes the session: its newest refresh token is dead', async () => {
      expectErrorBody(await refreshWith(t, rotated.refreshToken), 401);
    });

    it('revokes the session: its access tokens (old and new) are dead on the next request', async () => {
      expectErrorBody(await getMe(t, rotated.accessToken), 401);
      expectErrorBody(await getMe(t, user.accessToken), 401);
      const row = await session(sidOf(user.accessToken));
      expect(row.revoked_at).not.toBeNull();
      expect(row.revoked_reason).toBe('refresh_token_reuse');
    });

    it('leaves the user’s other sessions alone', async () => {
      await getMe(t, other.accessToken).expect(200);
      await refreshWith(t, other.refreshToken).expect(200);
    });
  });

  describe('concurrent refreshes with the same token', () => {
    it.each([2, 5])(
      '%i at once: exactly one 200, the rest 401, and the session is revoked',
      async (n) => {
        const user = await registerAndLogin(t);
        const results = await Promise.all(
          Array.from({ length: n }, () => refreshWith(t, user.refreshToken)),
        );
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, ...Array<number>(n - 1).fill(401)]);
        for (const r of results.filter((x) => x.status === 401)) expectErrorBody(r, 401);
        // The losers presented a spent token: that is reuse, so the winner's pair dies with the session.
        const winner = results.find((r) => r.status === 200)!;
        expectErrorBody(await refreshWith(t, winner.body.refreshToken), 401);
        expectErrorBody(await getMe(t, winner.body.accessToken), 401);
        const tokens = await sql<{ n: number }>(
          t,
          'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1',
          [sidOf(user.accessToken)],
        );
        expect(tokens[0].n).toBe(2); // the login's token and exactly one successor
      },
    );
  });

  it('a refresh token is not an access token: 401 as a bearer', async () => {
    const user = await registerAndLogin(t);
    expectErrorBody(await getMe(t, user.refreshToken), 401);
    expectErrorBody(
      await request(t.url)
        .get('/api/auth/sessions')
        .set(...bearer(user.refreshToken)),
      401,
    );
  });

  it('an access token is not a refresh token: never 200', async () => {
    const user = await registerAndLogin(t);
    const res = await refreshWith(t, user.accessToken);
    expect([400, 401]).toContain(res.status);
    expectErrorBody(res, res.status);
    expect(JSON.stringify(res.body)).not.toContain(user.accessToken);
    const viaCookie = await request(t.url)
      .post('/api/auth/refresh')
      .set('Cookie', `__Host-refresh_token=${user.accessToken}`);
    expect([400, 401]).toContain(viaCookie.status);
    // The session survives a mistaken presentation.
    await getMe(t, user.accessToken).expect(200);
  });

  it('400 for an unknown property next to the token', async () => {
    const user = await registerAndLogin(t);
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/refresh')
        .send({ refreshToken: user.refreshToken, sid: 'x' }),
      400,
    );
  });

  it('does not extend the absolute lifetime: sessions.expires_at is unchanged', async () => {
    const user = await registerAndLogin(t);
    const sid = sidOf(user.accessToken);
    const before = await session(sid);
    const expectedEnd = Date.now() + 30 * 24 * 3600 * 1000; // SESSION_MAX_AGE
    expect(Math.abs(before.expires_at.getTime() - expectedEnd)).toBeLessThan(60_000);
    await new Promise((r) => setTimeout(r, 1100));
    let token = user.refreshToken;
    for (let i = 0; i < 3; i++) token = (await refreshWith(t, token).expect(200)).body.refreshToken;
    const after = await session(sid);
    expect(after.expires_at.getTime()).toBe(before.expires_at.getTime());
    expect(after.revoked_at).toBeNull();
  });

  it('401 once the user is deactivated, even with an unspent token', async () => {
    const created = await register(t);
    const user = await login(t, created);
    await sql(t, 'UPDATE users SET is_active = false WHERE id = $1', [user.id]);
    expectErrorBody(await refreshWith(t, user.refreshToken), 401);
  });
});
