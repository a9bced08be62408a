import request from 'supertest';
import {
  RELAXED_LIMITS,
  bearer,
  decodeJwt,
  getMe,
  login,
  loginAdmin,
  refreshWith,
  registerAndLogin,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';
import { awayFromStepEdge, codeAt, enrolTotp, passwordStep, verify } from '../mfa/mfa-helpers';

const INSUFFICIENT = 'Bearer error="insufficient_user_authentication"';

/** The session's proofs made long ago: as if it signed in (or stepped up) an hour back. */
async function ageProofs(t: TestApp, user: LoggedIn): Promise<void> {
  const { sid } = decodeJwt(user.accessToken).payload;
  await sql(
    t,
    `UPDATE sessions SET password_proven_at = now() - interval '1 hour',
                         factor_proven_at = CASE WHEN factor_proven_at IS NULL THEN NULL
                                                 ELSE now() - interval '1 hour' END
      WHERE id = $1`,
    [sid],
  );
}

const reauthFailures = async (t: TestApp, userId: string): Promise<number> =>
  (
    await sql<{ n: number }>(
      t,
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'auth.reauth.failure' AND user_id = $1",
      [userId],
    )
  )[0].n;

function expectStepUpRequired(res: request.Response): void {
  expectErrorBody(res, 401);
  expect(res.headers['www-authenticate']).toBe(INSUFFICIENT);
}

describe('step-up: proofs for sensitive operations (real app, PostgreSQL over TLS)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, STEP_UP_MAX_AGE: '300' });
  });
  afterAll(() => t?.close());

  describe('other sensitive operations: one proof, or one made within STEP_UP_MAX_AGE', () => {
    it('logout-all from a fresh session needs no proof; from an old one a missing proof is a 401 that counts nothing', async () => {
      const fresh = await registerAndLogin(t);
      await request(t.url)
        .post('/api/auth/logout-all')
        .set(...bearer(fresh.accessToken))
        .expect(204);

      const old = await registerAndLogin(t);
      await ageProofs(t, old);
      expectStepUpRequired(
        await request(t.url)
          .post('/api/auth/logout-all')
          .set(...bearer(old.accessToken)),
      );
      expect(await reauthFailures(t, old.id)).toBe(0);
      await getMe(t, old.accessToken).expect(200); // nothing ended

      // A wrong proof is a 401 too, counted like a wrong password.
      const wrong = await request(t.url)
        .post('/api/auth/logout-all')
        .set(...bearer(old.accessToken))
        .send({ password: 'not-the-password' });
      expectErrorBody(wrong, 401);
      expect(wrong.headers['www-authenticate']).toBeUndefined();
      expect(await reauthFailures(t, old.id)).toBe(1);

      await request(t.url)
        .post('/api/auth/logout-all')
        .set(...bearer(old.accessToken))
        .send({ password: old.password })
        .expect(204);
      await getMe(t, old.accessToken).expect(401);
    });

    it('POST /auth/step-up stamps a proof on the session: the old session may then end its others', async () => {
      const user = await registerAndLogin(t);
      const other = await login(t, user);
      await ageProofs(t, user);
      const otherSid = decodeJwt(other.accessToken).payload.sid as string;
      expectStepUpRequired(
        await request(t.url)
          .delete(`/api/auth/sessions/${otherSid}`)
          .set(...bearer(user.accessToken)),
      );
      expectStepUpRequired(
        await request(t.url)
          .post('/api/auth/step-up')
          .set(...bearer(user.accessToken))
          .send({}),
      );
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(user.accessToken))
        .send({ password: user.password })
        .expect(204);
      await request(t.url)
        .delete(`/api/auth/sessions/${otherSid}`)
        .set(...bearer(user.accessToken))
        .expect(204);
      await getMe(t, other.accessToken).expect(401);
      // Ending the current session is a logout: no proof needed, however old.
      await ageProofs(t, user);
      const ownSid = decodeJwt(user.accessToken).payload.sid as string;
      await request(t.url)
        .delete(`/api/auth/sessions/${ownSid}`)
        .set(...bearer(user.accessToken))
        .expect(204);
    });

    it('PUT /users/me/sensitive takes a proof in the body when the session has none recent', async () => {
      const user = await registerAndLogin(t);
      await ageProofs(t, user);
      expectStepUpRequired(
        await request(t.url)
          .put('/api/users/me/sensitive')
          .set(...bearer(user.accessToken))
          .send({ ssn: '123-45-6789' }),
      );
      await request(t.url)
        .put('/api/users/me/sensitive')
        .set(...bearer(user.accessToken))
        .send({ ssn: '123-45-6789', password: user.password })
        .expect(204);
    });

    it("an admin's role change needs a proof once the session's is old; deactivation does not", async () => {
      const admin = await loginAdmin(t);
      const target = await registerAndLogin(t);
      await ageProofs(t, admin);
      expectStepUpRequired(
        await request(t.url)
          .patch(`/api/users/${target.id}`)
          .set(...bearer(admin.accessToken))
          .send({ role: 'admin' }),
      );
      await request(t.url)
        .patch(`/api/users/${target.id}`)
        .set(...bearer(admin.accessToken))
        .send({ isActive: false })
        .expect(200);
      const promoted = await request(t.url)
        .patch(`/api/users/${target.id}`)
        .set(...bearer(admin.accessToken))
        .send({ role: 'admin', password: admin.password })
        .expect(200);
      expect(promoted.body.role).toBe('admin');
    });
  });

  describe('credential changes: the password, and with a second factor on a second factor, in the request itself', () => {
    it('a fresh session alone changes nothing: no grace period', async () => {
      const user = await registerAndLogin(t);
      expectStepUpRequired(
        await request(t.url)
          .post('/api/users/me/password')
          .set(...bearer(user.accessToken))
          .send({ newPassword: 'Another-Long-Pass-42!' }),
      );
      expectStepUpRequired(
        await request(t.url)
          .post('/api/users/me/email')
          .set(...bearer(user.accessToken))
          .send({ newEmail: 'elsewhere@example.org' }),
      );
      expect(await reauthFailures(t, user.id)).toBe(0);
    });

    it('with TOTP on: the password alone is not enough, and the code must be right', async () => {
      const user = await registerAndLogin(t);
      const { secret } = await enrolTotp(t, user);
      await awayFromStepEdge();
      const missing = await request(t.url)
        .post('/api/users/me/password')
        .set(...bearer(user.accessToken))
        .send({ currentPassword: user.password, newPassword: 'Another-Long-Pass-42!' });
      expectStepUpRequired(missing);
      expect(missing.body.message).toMatch(/second factor/);
      expect(await reauthFailures(t, user.id)).toBe(0);

      const changeWithCode = (code: string) =>
        request(t.url)
          .post('/api/users/me/password')
          .set(...bearer(user.accessToken))
          .send({ currentPassword: user.password, newPassword: 'Another-Long-Pass-42!', code });
      expectErrorBody(await changeWithCode(codeAt(secret, 5)), 401);
      await changeWithCode(codeAt(secret)).expect(204);
    });

    it('two second factors at once are refused before anything is checked', async () => {
      const user = await registerAndLogin(t);
      const { secret, recoveryCodes } = await enrolTotp(t, user);
      expectErrorBody(
        await request(t.url)
          .post('/api/auth/mfa/recovery-codes')
          .set(...bearer(user.accessToken))
          .send({ password: user.password, code: codeAt(secret), recoveryCode: recoveryCodes[0] }),
        400,
      );
      expect(await reauthFailures(t, user.id)).toBe(0);
    });
  });

  describe('auth_time', () => {
    it('access tokens carry when the session last proved a factor; a refresh after a step-up carries the newer time', async () => {
      const user = await registerAndLogin(t);
      const first = decodeJwt(user.accessToken).payload;
      expect(typeof first.auth_time).toBe('number');
      expect(Math.abs((first.auth_time as number) - Date.now() / 1000)).toBeLessThan(60);

      await ageProofs(t, user);
      const aged = await refreshWith(t, user.refreshToken).expect(200);
      const agedTime = decodeJwt(aged.body.accessToken as string).payload.auth_time as number;
      expect(Date.now() / 1000 - agedTime).toBeGreaterThan(3000);

      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(aged.body.accessToken as string))
        .send({ password: user.password })
        .expect(204);
      const stepped = await refreshWith(t, aged.body.refreshToken as string).expect(200);
      const steppedTime = decodeJwt(stepped.body.accessToken as string).payload.auth_time as number;
      expect(Math.abs(steppedTime - Date.now() / 1000)).toBeLessThan(60);
    });

    it('a two-step sign-in stamps both proofs', async () => {
      const user = await registerAndLogin(t);
      const { secret } = await enrolTotp(t, user);
      await awayFromStepEdge();
      const mfaToken = await passwordStep(t, user);
      const done = await verify(t, { mfaToken, code: codeAt(secret) }).expect(200);
      const [row] = await sql<{ password: boolean; factor: boolean }>(
        t,
        `SELECT password_proven_at IS NOT NULL AS password, factor_proven_at IS NOT NULL AS factor
           FROM sessions WHERE id = $1`,
        [decodeJwt(done.body.accessToken as string).payload.sid],
      );
      expect(row).toEqual({ password: true, factor: true });
    });
  });
});
