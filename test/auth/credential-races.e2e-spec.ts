import request from 'supertest';
import {
  RELAXED_LIMITS,
  adminToken,
  bearer,
  getMe,
  login,
  refreshWith,
  register,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A login that reads the password hash, runs bcrypt and then opens its session must not survive a
 * password change or a deactivation that lands in between (docs/API.md "Sessions and tokens"). bcrypt
 * at cost 10 keeps each login in flight for tens of milliseconds, so the change lands while many
 * logins are between their check and their session.
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

  it('no session opened by a login racing a password change works once the change has answered', async () => {
    const user = await register(t);
    const caller = await login(t, user);
    const before = loginStorm(user, 12);
    await pause(20);
    const newPassword = `${user.password}-New!7`;
    const change = request(t.url)
      .post('/api/users/me/password')
      .set(...bearer(caller.accessToken))
      .send({ currentPassword: user.password, newPassword })
      .then((res) => res);
    // Logins that read the old hash while the change is hashing the new one: they pass bcrypt and
    // open their session just after the change commits.
    await pause(5);
    const after = loginStorm(user, 12);
    expect((await change).status).toBe(204);
    const racing = [...(await before), ...(await after)];
    await expectAllDead(racing);
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
        .expect(200);
    const storm = loginStorm(user, 24);
    await pause(40); // logins past their password check when the deactivation lands
    await patch(false);
    const racing = await storm;
    await patch(true);
    await expectAllDead(racing);
    await login(t, user); // the reactivated account can sign in afresh
  });
});
