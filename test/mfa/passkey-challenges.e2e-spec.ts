import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, getMe, registerAndLogin, sql, type LoggedIn } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { SoftAuthenticator } from '../support/soft-authenticator';
import type { TestApp } from '../support/test-app';
import { passwordStep } from './mfa-helpers';
import {
  PASSKEY_ORIGIN,
  addPasskey,
  assertionOptions,
  signInWith,
  startPasskeyApp,
} from './passkey-helpers';

/**
 * An assertion answers one challenge: the one the service issued, for this ceremony, to this
 * account. Every assertion below is otherwise perfect (right key, origin, user verification and a
 * counter that grows), so only the challenge check can refuse it, and the same account then signs
 * in with a proper challenge to show nothing else was wrong.
 */
describe('passkey assertions answer only their own challenge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startPasskeyApp();
  });
  afterAll(() => t?.close());

  async function withPasskey(): Promise<{ user: LoggedIn; authenticator: SoftAuthenticator }> {
    const user = await registerAndLogin(t);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, user, authenticator);
    return { user, authenticator };
  }

  const sessionsOpened = async (userId: string): Promise<number> =>
    (
      await sql<{ n: number }>(
        t,
        `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'auth.login.success'`,
        [userId],
      )
    )[0].n;

  /** Passwordless sign-in with a proper challenge: 200 and a working access token. */
  async function signsInPasswordless(authenticator: SoftAuthenticator): Promise<void> {
    const res = await signInWith(
      t,
      authenticator.assert(await assertionOptions(t), PASSKEY_ORIGIN),
    );
    expect(res.status).toBe(200);
    await getMe(t, res.body.accessToken).expect(200);
  }

  it('refuses a passwordless assertion of a challenge the service never issued', async () => {
    const { user, authenticator } = await withPasskey();
    const before = await sessionsOpened(user.id);
    const options = await assertionOptions(t);
    const forged = { ...options, challenge: randomBytes(32).toString('base64url') };
    expectErrorBody(await signInWith(t, authenticator.assert(forged, PASSKEY_ORIGIN)), 401);
    expect(await sessionsOpened(user.id)).toBe(before);
    await signsInPasswordless(authenticator);
  });

  it("refuses a second step answering the challenge issued for another account's second step", async () => {
    const other = await withPasskey();
    const { user, authenticator } = await withPasskey();
    const otherOptions = await assertionOptions(t, await passwordStep(t, other.user));
    const mfaToken = await passwordStep(t, user);
    const ownOptions = await assertionOptions(t, mfaToken);
    const borrowed = { ...ownOptions, challenge: otherOptions.challenge };
    expectErrorBody(
      await signInWith(t, authenticator.assert(borrowed, PASSKEY_ORIGIN), mfaToken),
      401,
    );
    const fresh = await assertionOptions(t, mfaToken);
    const res = await signInWith(t, authenticator.assert(fresh, PASSKEY_ORIGIN), mfaToken);
    expect(res.status).toBe(200);
  });

  it('refuses a passwordless assertion answering a step-up challenge', async () => {
    const { user, authenticator } = await withPasskey();
    const stepUp = await request(t.url)
      .post('/api/auth/step-up/passkey/options')
      .set(...bearer(user.accessToken))
      .expect(200);
    const options = await assertionOptions(t);
    const misused = { ...options, challenge: stepUp.body.challenge as string };
    expectErrorBody(await signInWith(t, authenticator.assert(misused, PASSKEY_ORIGIN)), 401);
    await signsInPasswordless(authenticator);
  });

  it('refuses a second step answering a registration challenge', async () => {
    const { user, authenticator } = await withPasskey();
    // Registration options for a second passkey: a credential change, proven by password + passkey.
    const stepUp = await request(t.url)
      .post('/api/auth/step-up/passkey/options')
      .set(...bearer(user.accessToken))
      .expect(200);
    const registration = await request(t.url)
      .post('/api/auth/passkeys/registration/options')
      .set(...bearer(user.accessToken))
      .send({ password: user.password, passkey: authenticator.assert(stepUp.body, PASSKEY_ORIGIN) })
      .expect(200);
    const mfaToken = await passwordStep(t, user);
    const options = await assertionOptions(t, mfaToken);
    const misused = { ...options, challenge: registration.body.challenge as string };
    expectErrorBody(
      await signInWith(t, authenticator.assert(misused, PASSKEY_ORIGIN), mfaToken),
      401,
    );
    const fresh = await assertionOptions(t, mfaToken);
    expect(
      (await signInWith(t, authenticator.assert(fresh, PASSKEY_ORIGIN), mfaToken)).status,
    ).toBe(200);
  });
});
