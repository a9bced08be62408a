import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import request from 'supertest';
import {
  bearer,
  getMe,
  loginAdmin,
  registerAndLogin,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { SoftAuthenticator } from '../support/soft-authenticator';
import type { TestApp } from '../support/test-app';
import {
  awayFromStepEdge,
  codeAt,
  enrolTotp,
  markVerified,
  passwordStep,
  verify,
} from '../mfa/mfa-helpers';
import {
  PASSKEY_ORIGIN,
  addPasskey,
  assertionOptions,
  signInWith,
  startPasskeyApp,
} from '../mfa/passkey-helpers';

const INSUFFICIENT = 'Bearer error="insufficient_user_authentication"';

/**
 * Passkeys and the step-up rule, with a software authenticator over plain HTTP: a passkey is a
 * proof like a code (for step-up options only), and a factor is never planted with the password
 * alone once the account has one.
 */
describe('passkeys as proofs, and no factor planted with the password alone', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startPasskeyApp({ MFA_REQUIRED_FOR_ADMINS: 'true' });
  });
  afterAll(() => t?.close());

  const stepUpOptions = async (user: LoggedIn): Promise<PublicKeyCredentialRequestOptionsJSON> =>
    (
      await request(t.url)
        .post('/api/auth/step-up/passkey/options')
        .set(...bearer(user.accessToken))
        .expect(200)
    ).body as PublicKeyCredentialRequestOptionsJSON;

  it('an admin with TOTP: a stolen two-factor token and the password plant no passwordless way in to the admin routes', async () => {
    const admin = await loginAdmin(t); // single-factor: admin routes refuse it
    await request(t.url)
      .get('/api/users')
      .set(...bearer(admin.accessToken))
      .expect(403);
    const { secret } = await enrolTotp(t, admin);
    await awayFromStepEdge();
    const mfaToken = await passwordStep(t, admin);
    const stolen = (await verify(t, { mfaToken, code: codeAt(secret) }).expect(200)).body
      .accessToken as string;
    await request(t.url)
      .get('/api/users')
      .set(...bearer(stolen))
      .expect(200);
    const planted = await request(t.url)
      .post('/api/auth/passkeys/registration/options')
      .set(...bearer(stolen))
      .send({ password: admin.password });
    expectErrorBody(planted, 401);
    expect(planted.headers['www-authenticate']).toBe(INSUFFICIENT);
    expect((await sql(t, 'SELECT 1 FROM passkeys WHERE user_id = $1', [admin.id])).length).toBe(0);
  });

  it('a passkey proves a step-up, once, and only for a step-up challenge of its owner', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await registerAndLogin(t);
    await addPasskey(t, user, authenticator);

    // A challenge never issued, and one issued for a sign-in, are refused as a wrong proof.
    const neverIssued = authenticator.assert(
      { challenge: 'bmV2ZXItaXNzdWVk', rpId: 'localhost' },
      PASSKEY_ORIGIN,
    );
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(user.accessToken))
        .send({ passkey: neverIssued }),
      401,
    );
    const signInChallenge = authenticator.assert(await assertionOptions(t), PASSKEY_ORIGIN);
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(user.accessToken))
        .send({ passkey: signInChallenge }),
      401,
    );
    const failures = await sql<{ n: number }>(
      t,
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'auth.mfa.failure' AND user_id = $1",
      [user.id],
    );
    expect(failures[0].n).toBe(2);

    const proof = authenticator.assert(await stepUpOptions(user), PASSKEY_ORIGIN);
    await request(t.url)
      .post('/api/auth/step-up')
      .set(...bearer(user.accessToken))
      .send({ passkey: proof })
      .expect(204);
    // Its challenge is spent.
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(user.accessToken))
        .send({ passkey: proof }),
      401,
    );
  });

  it('another user’s step-up challenge proves nothing', async () => {
    const mine = new SoftAuthenticator();
    const theirs = new SoftAuthenticator();
    const me = await registerAndLogin(t);
    const them = await registerAndLogin(t);
    await addPasskey(t, me, mine);
    await addPasskey(t, them, theirs);
    const theirOptions = await stepUpOptions(them);
    const myAssertion = mine.assert(
      { ...theirOptions, allowCredentials: undefined },
      PASSKEY_ORIGIN,
    );
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/step-up')
        .set(...bearer(me.accessToken))
        .send({ passkey: myAssertion }),
      401,
    );
  });

  it('with a passkey on, a credential change takes the password and a passkey assertion', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await registerAndLogin(t);
    await addPasskey(t, user, authenticator);
    expect((await getMe(t, user.accessToken).expect(200)).body.mfaEnabled).toBe(true);
    const missing = await request(t.url)
      .post('/api/auth/mfa/totp/setup')
      .set(...bearer(user.accessToken))
      .send({ password: user.password });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe(INSUFFICIENT);
    const passkey = authenticator.assert(await stepUpOptions(user), PASSKEY_ORIGIN);
    await request(t.url)
      .post('/api/auth/mfa/totp/setup')
      .set(...bearer(user.accessToken))
      .send({ password: user.password, passkey })
      .expect(200);
  });

  it('a passkey removal racing a TOTP confirmation never leaves the flag off while a factor is on', async () => {
    for (let round = 0; round < 4; round++) {
      const authenticator = new SoftAuthenticator();
      const user = await registerAndLogin(t);
      await markVerified(t, user.id);
      const stored = await addPasskey(t, user, authenticator);
      const setupProof = authenticator.assert(await stepUpOptions(user), PASSKEY_ORIGIN);
      const setup = await request(t.url)
        .post('/api/auth/mfa/totp/setup')
        .set(...bearer(user.accessToken))
        .send({ password: user.password, passkey: setupProof })
        .expect(200);
      const removalProof = authenticator.assert(await stepUpOptions(user), PASSKEY_ORIGIN);
      await awayFromStepEdge();
      const [removed, confirmed] = await Promise.all([
        request(t.url)
          .delete(`/api/auth/passkeys/${stored.id}`)
          .set(...bearer(user.accessToken))
          .send({ password: user.password, passkey: removalProof }),
        request(t.url)
          .post('/api/auth/mfa/totp/confirm')
          .set(...bearer(user.accessToken))
          .send({ code: codeAt(setup.body.secret as string) }),
      ]);
      expect([removed.status, confirmed.status]).toEqual([204, 200]);
      const [row] = await sql<{ flag: boolean; passkeys: number; totp: boolean }>(
        t,
        `SELECT u.mfa_enabled AS flag,
                (SELECT count(*)::int FROM passkeys p WHERE p.user_id = u.id) AS passkeys,
                EXISTS (SELECT 1 FROM mfa_totp m WHERE m.user_id = u.id AND m.confirmed_at IS NOT NULL) AS totp
           FROM users u WHERE u.id = $1`,
        [user.id],
      );
      expect(row).toEqual({ flag: true, passkeys: 0, totp: true });
    }
  });

  it('passwordless sign-in still works for a passkey added with the proofs', async () => {
    const authenticator = new SoftAuthenticator();
    const user = await registerAndLogin(t);
    await addPasskey(t, user, authenticator);
    const signedIn = await signInWith(
      t,
      authenticator.assert(await assertionOptions(t), PASSKEY_ORIGIN),
    ).expect(200);
    expect((await getMe(t, signedIn.body.accessToken as string).expect(200)).body.id).toBe(user.id);
  });
});
