import request from 'supertest';
import {
  bearer,
  getMe,
  login,
  loginAdmin,
  refreshWith,
  register,
  registerAndLogin,
  RELAXED_LIMITS,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

const HOUR = 3_600;
const DAY = 86_400;

/** The Max-Age of the refresh cookie a response sets. */
function cookieMaxAge(res: request.Response): number {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const refresh = cookies.find((cookie) => /refresh_token=[^;]+/.test(cookie));
  const match = refresh && /Max-Age=(\d+)/i.exec(refresh);
  if (!match) throw new Error(`no refresh cookie with Max-Age in ${JSON.stringify(cookies)}`);
  return Number(match[1]);
}

/** The session id an access token carries. */
function sessionOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
    sid: string;
  };
  return payload.sid;
}

/** The session's two deadlines, as seconds after its sign-in. */
async function deadlines(t: TestApp, sessionId: string) {
  const [row] = await sql<{ idle: number; absolute: number; idle_left: number }>(
    t,
    `SELECT extract(epoch FROM idle_expires_at - created_at)::float8 AS idle,
            extract(epoch FROM expires_at - created_at)::float8 AS absolute,
            extract(epoch FROM idle_expires_at - now())::float8 AS idle_left
       FROM sessions WHERE id = $1`,
    [sessionId],
  );
  return row;
}

const loginResponse = (t: TestApp, user: { email: string; password: string }) =>
  request(t.url).post('/api/auth/login').send({ email: user.email, password: user.password });

describe('session lifetimes (idle end, absolute end, refresh token lifetime) and the per-user limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, MAX_SESSIONS_PER_USER: '3' });
  });
  afterAll(() => t.close());

  it("a user's session ends 3 days after its last use and 30 days after its sign-in; the cookie lives 3 days", async () => {
    const user = await register(t);
    const res = await loginResponse(t, user).expect(200);
    const session = await deadlines(t, sessionOf(res.body.accessToken as string));
    expect(session.idle).toBeCloseTo(3 * DAY, 0);
    expect(session.absolute).toBeCloseTo(30 * DAY, 0);
    expect(cookieMaxAge(res)).toBeGreaterThanOrEqual(3 * DAY - 2);
    expect(cookieMaxAge(res)).toBeLessThanOrEqual(3 * DAY);
  });

  it("an admin's session ends 1 hour after its last use and 12 hours after its sign-in; the cookie lives 1 hour", async () => {
    const admin = await loginAdmin(t);
    const res = await loginResponse(t, admin).expect(200);
    const session = await deadlines(t, sessionOf(res.body.accessToken as string));
    expect(session.idle).toBeCloseTo(HOUR, 0);
    expect(session.absolute).toBeCloseTo(12 * HOUR, 0);
    expect(cookieMaxAge(res)).toBeGreaterThanOrEqual(HOUR - 2);
    expect(cookieMaxAge(res)).toBeLessThanOrEqual(HOUR);
  });

  it("a promotion to admin brings the user's open sessions within an admin's lifetimes", async () => {
    const user = await registerAndLogin(t);
    const admin = await loginAdmin(t);
    await request(t.url)
      .patch(`/api/users/${user.id}`)
      .set(...bearer(admin.accessToken))
      .send({ role: 'admin' })
      .expect(200);
    const session = await deadlines(t, sessionOf(user.accessToken));
    expect(session.absolute).toBeLessThanOrEqual(12 * HOUR);
    expect(session.idle_left).toBeLessThanOrEqual(HOUR);
    const res = await refreshWith(t, user.refreshToken).expect(200);
    expect(cookieMaxAge(res)).toBeLessThanOrEqual(HOUR);
  });

  it('past its idle end a session is dead: its access token and its refresh token are refused', async () => {
    const user = await registerAndLogin(t);
    const sid = sessionOf(user.accessToken);
    await sql(
      t,
      `UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`,
      [sid],
    );
    expectErrorBody(await getMe(t, user.accessToken), 401);
    expectErrorBody(await refreshWith(t, user.refreshToken), 401);
  });

  it('a refresh moves the idle end forward, never the absolute end', async () => {
    const user = await registerAndLogin(t);
    const sid = sessionOf(user.accessToken);
    await sql(
      t,
      `UPDATE sessions SET idle_expires_at = now() + interval '1 minute' WHERE id = $1`,
      [sid],
    );
    const [before] = await sql<{ expires_at: Date }>(
      t,
      'SELECT expires_at FROM sessions WHERE id = $1',
      [sid],
    );
    await refreshWith(t, user.refreshToken).expect(200);
    const after = await deadlines(t, sid);
    expect(after.idle_left).toBeGreaterThan(3 * DAY - 10);
    const [row] = await sql<{ expires_at: Date }>(
      t,
      'SELECT expires_at FROM sessions WHERE id = $1',
      [sid],
    );
    expect(row.expires_at.toISOString()).toBe(before.expires_at.toISOString());
  });

  it('past its absolute end a session is dead, however recently it was refreshed', async () => {
    const user = await registerAndLogin(t);
    const refreshed = (await refreshWith(t, user.refreshToken).expect(200)).body as {
      accessToken: string;
      refreshToken: string;
    };
    await sql(t, `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      sessionOf(user.accessToken),
    ]);
    expectErrorBody(await getMe(t, refreshed.accessToken), 401);
    expectErrorBody(await refreshWith(t, refreshed.refreshToken), 401);
  });

  it('a refresh token older than JWT_REFRESH_TTL is refused though its session lives on', async () => {
    const user = await registerAndLogin(t);
    const sid = sessionOf(user.accessToken);
    await sql(
      t,
      `UPDATE refresh_tokens SET created_at = now() - interval '7 days 1 second' WHERE session_id = $1`,
      [sid],
    );
    expectErrorBody(await refreshWith(t, user.refreshToken), 401);
    await getMe(t, user.accessToken).expect(200);
  });

  it("the refresh cookie's Max-Age is the earliest deadline: near the absolute end, the seconds left", async () => {
    const user = await registerAndLogin(t);
    await sql(t, `UPDATE sessions SET expires_at = now() + interval '100 seconds' WHERE id = $1`, [
      sessionOf(user.accessToken),
    ]);
    const res = await refreshWith(t, user.refreshToken).expect(200);
    expect(cookieMaxAge(res)).toBeGreaterThanOrEqual(95);
    expect(cookieMaxAge(res)).toBeLessThanOrEqual(100);
  });

  it('at MAX_SESSIONS_PER_USER a new sign-in ends the least recently used session, audited auth.session.evicted', async () => {
    const user = await register(t);
    const first = await login(t, user);
    const second = await login(t, user);
    const third = await login(t, user);
    // The first is refreshed, so the second becomes the least recently used.
    const firstAgain = (await refreshWith(t, first.refreshToken).expect(200)).body as {
      accessToken: string;
    };
    const fourth = await login(t, user);
    expectErrorBody(await getMe(t, second.accessToken), 401);
    expectErrorBody(await refreshWith(t, second.refreshToken), 401);
    for (const live of [firstAgain.accessToken, third.accessToken, fourth.accessToken])
      await getMe(t, live).expect(200);
    const listed = await request(t.url)
      .get('/api/auth/sessions')
      .set(...bearer(fourth.accessToken))
      .expect(200);
    expect(listed.body).toHaveLength(3);
    const events = await sql<{ metadata: { sessionId: string; bySessionId: string } }>(
      t,
      `SELECT metadata FROM audit_events WHERE type = 'auth.session.evicted' AND user_id = $1`,
      [user.id],
    );
    expect(events.map((event) => event.metadata)).toEqual([
      { sessionId: sessionOf(second.accessToken), bySessionId: sessionOf(fourth.accessToken) },
    ]);
  });

  it('concurrent sign-ins at the limit leave exactly MAX_SESSIONS_PER_USER live sessions', async () => {
    const user = await register(t);
    await Promise.all([login(t, user), login(t, user), login(t, user)]);
    const more = await Promise.all([1, 2, 3, 4, 5].map(() => login(t, user)));
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND idle_expires_at > now()`,
      [user.id],
    );
    expect(n).toBe(3);
    const alive = await Promise.all(more.map((session) => getMe(t, session.accessToken)));
    expect(alive.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(3);
  });

  it('sessions ended otherwise do not count toward the limit', async () => {
    const user: LoggedIn = await registerAndLogin(t);
    await request(t.url)
      .post('/api/auth/logout')
      .set(...bearer(user.accessToken))
      .expect(204);
    const kept = [await login(t, user), await login(t, user), await login(t, user)];
    for (const session of kept) await getMe(t, session.accessToken).expect(200);
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'auth.session.evicted' AND user_id = $1`,
      [user.id],
    );
    expect(n).toBe(0);
  });
});

describe('SESSION_IDLE_TIMEOUT from the environment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, SESSION_IDLE_TIMEOUT: '2s' });
  });
  afterAll(() => t.close());

  it('a session left idle for 2s is dead; the cookie lived 2s', async () => {
    const user = await register(t);
    const res = await loginResponse(t, user).expect(200);
    expect(cookieMaxAge(res)).toBeLessThanOrEqual(2);
    const accessToken = res.body.accessToken as string;
    await getMe(t, accessToken).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expectErrorBody(await getMe(t, accessToken), 401);
    expectErrorBody(await refreshWith(t, res.body.refreshToken as string), 401);
  });
});
