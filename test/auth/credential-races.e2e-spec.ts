import request from 'supertest';
import {
  RELAXED_LIMITS,
  adminToken,
  bearer,
  getMe,
  login,
  refreshWith,
  register,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { RowBarrier } from '../support/row-barrier';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A sign-in that reads the password hash, runs bcrypt and then opens its session must not survive
 * a password change or a deactivation that lands in between. A row barrier (test/support/
 * row-barrier.ts) holds the account's row: the change is seen waiting at its write, uncommitted,
 * while the storm of sign-ins reads the old credentials; it is let go once the first sign-ins are
 * through bcrypt (held at their first write), while the rest are still hashing (three at a time).
 * Those open their session after the change committed: each spec asserts that some did, and were
 * refused for it, so the window is known to have been hit.
 */
describe('logins racing a credential change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, BCRYPT_ROUNDS: '10' });
  });
  afterAll(() => t.close());

  /** Fires `count` logins with the given password and returns the ones that were answered 200. */
  function loginStorm(user: TestUser, count: number): Promise<LoggedIn[]> {
    return Promise.all(
      Array.from({ length: count }, () =>
        request(t.url).post('/api/auth/login').send({ email: user.email, password: user.password }),
      ),
    ).then((answers) =>
      answers
        .filter((res) => res.status === 200)
        .map((res) => ({
          ...user,
          accessToken: res.body.accessToken as string,
          refreshToken: res.body.refreshToken as string,
        })),
    );
  }

  /** Every session in `sessions` is dead: its access token and its refresh token. */
  async function expectAllDead(sessions: LoggedIn[]): Promise<void> {
    const alive: string[] = [];
    for (const session of sessions) {
      if ((await getMe(t, session.accessToken)).status !== 401) alive.push('access');
      if ((await refreshWith(t, session.refreshToken)).status !== 401) alive.push('refresh');
    }
    expect(alive).toEqual([]);
  }

  /** How many sign-ins of `userId` were refused because its credentials changed meanwhile. */
  const refusedAsChanged = async (userId: string): Promise<number> =>
    (
      await sql<{ n: number }>(
        t,
        `SELECT count(*)::int AS n FROM audit_events
          WHERE user_id = $1 AND type = 'auth.login.failure' AND metadata->>'reason' = 'credentials_changed'`,
        [userId],
      )
    )[0].n;

  /**
   * Holds the account's row, sends `change` and waits until it is held at its write; then fires the
   * storm and lets the change go once the first sign-in is through its password check.
   */
  async function raceAgainst(
    user: TestUser,
    change: () => Promise<request.Response>,
  ): Promise<{ changed: request.Response; racing: LoggedIn[] }> {
    const barrier = await RowBarrier.holdUser(t, user.id);
    let changed: Promise<request.Response>;
    let racing: Promise<LoggedIn[]>;
    try {
      changed = change();
      expect(await barrier.waitFor((w) => w.accountChanges === 1)).toMatchObject({
        accountChanges: 1,
      });
      racing = loginStorm(user, 12);
      const through = await barrier.waitFor((w) => w.signInWrites >= 1);
      expect(through.signInWrites).toBeGreaterThanOrEqual(1);
    } finally {
      await barrier.release();
    }
    return { changed: await changed, racing: await racing };
  }

  it('no session opened by a login racing a password change works once the change has answered', async () => {
    const user = await register(t);
    const caller = await login(t, user);
    const newPassword = `${user.password}-New!7`;
    const { changed, racing } = await raceAgainst(user, () =>
      request(t.url)
        .post('/api/users/me/password')
        .set(...bearer(caller.accessToken))
        .send({ currentPassword: user.password, newPassword })
        .then((res) => res),
    );
    expect(changed.status).toBe(204);
    await expectAllDead(racing);
    expect(await refusedAsChanged(user.id)).toBeGreaterThan(0);
    await getMe(t, caller.accessToken).expect(200); // the caller's own session lives on
    await login(t, { ...user, password: newPassword });
  });

  it('no session slips through a deactivation and comes back on reactivation', async () => {
    const admin = await adminToken(t);
    const user = await register(t);
    const patch = (isActive: boolean) =>
      request(t.url)
        .patch(`/api/users/${user.id}`)
        .set(...bearer(admin))
        .send({ isActive })
        .then((res) => res);
    const { changed, racing } = await raceAgainst(user, () => patch(false));
    expect(changed.status).toBe(200);
    expect(await refusedAsChanged(user.id)).toBeGreaterThan(0);
    expect((await patch(true)).status).toBe(200);
    await expectAllDead(racing);
    await login(t, user); // the reactivated account can sign in afresh
  });
});
