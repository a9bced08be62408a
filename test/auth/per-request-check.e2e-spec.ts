import { expectErrorBody } from '../support/error-body';
import {
  RELAXED_LIMITS,
  getMe,
  login,
  register,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every authenticated request reads the account: a valid, unexpired access token is refused once
 * its user is inactive or gone, whatever else happened. Each case changes one column and nothing
 * else (no session revoked, the credentials version unchanged), so only the per-request check can
 * refuse it.
 */
describe('the per-request account check', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
  });
  afterAll(() => t.close());

  async function signedIn(): Promise<LoggedIn> {
    const user = await login(t, await register(t));
    await getMe(t, user.accessToken).expect(200);
    return user;
  }

  const accountState = async (userId: string) =>
    (
      await sql<{ version: number; live: number }>(
        t,
        `SELECT u.credentials_version AS version,
                (SELECT count(*)::int FROM sessions s
                  WHERE s.user_id = u.id AND s.revoked_at IS NULL) AS live
           FROM users u WHERE u.id = $1`,
        [userId],
      )
    )[0];

  it('401 for a live token once is_active alone turns false, 200 again once it turns back', async () => {
    const user = await signedIn();
    const before = await accountState(user.id);
    await sql(t, 'UPDATE users SET is_active = false WHERE id = $1', [user.id]);
    expect(await accountState(user.id)).toEqual(before);
    expectErrorBody(await getMe(t, user.accessToken), 401);
    await sql(t, 'UPDATE users SET is_active = true WHERE id = $1', [user.id]);
    await getMe(t, user.accessToken).expect(200);
  });

  it("401 for a live token once the credentials version alone moves on (the session's is stale)", async () => {
    const user = await signedIn();
    await sql(t, 'UPDATE users SET credentials_version = credentials_version + 1 WHERE id = $1', [
      user.id,
    ]);
    expect((await accountState(user.id)).live).toBe(1);
    expectErrorBody(await getMe(t, user.accessToken), 401);
  });

  it('401 for a live token once its user row is gone', async () => {
    const user = await signedIn();
    await sql(t, 'DELETE FROM users WHERE id = $1', [user.id]);
    expectErrorBody(await getMe(t, user.accessToken), 401);
  });
});
