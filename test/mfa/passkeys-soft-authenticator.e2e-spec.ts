import request from 'supertest';
import { SIGN_IN_ERRORS } from '../../src/sign-in/sign-in-errors';
import { bearer, getMe, registerAndLogin, sql } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { SoftAuthenticator } from '../support/soft-authenticator';
import type { TestApp } from '../support/test-app';
import { amrOf, passwordStep } from './mfa-helpers';
import {
  PASSKEY_ORIGIN,
  addPasskey,
  assertionOptions,
  signInWith,
  startPasskeyApp,
  storedCounter,
} from './passkey-helpers';

// The ceremonies of passkeys.e2e-spec.ts without a browser: the soft authenticator makes the
// credentials and assertions, the real app verifies them over HTTP.
describe('passkeys with a software authenticator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startPasskeyApp();
  });
  afterAll(() => t?.close());

  it('registers a passkey, then signs in with it as the second factor and passwordless', async () => {
    const user = await registerAndLogin(t);
    const authenticator = new SoftAuthenticator();
    const added = await addPasskey(t, user, authenticator, 'Soft key');
    expect(added).toMatchObject({ name: 'Soft key', backupEligible: false, backedUp: false });
    const [credential] = authenticator.credentials;
    const [row] = await sql<{ public_key: Buffer; transports: string[]; counter: string }>(
      t,
      'SELECT public_key, transports, counter FROM passkeys WHERE credential_id = $1',
      [credential.id],
    );
    expect(row.public_key).toEqual(Buffer.from(credential.publicKey));
    expect(row.transports).toEqual(['internal']);
    expect(Number(row.counter)).toBe(0);
    expect((await getMe(t, user.accessToken).expect(200)).body.mfaEnabled).toBe(true);

    // The same authenticator again (a credential change: the password and, a factor being on, the
    // passkey itself; counter 0 keeps the counts below): the options exclude its credential.
    const stepUp = await request(t.url)
      .post('/api/auth/step-up/passkey/options')
      .set(...bearer(user.accessToken))
      .expect(200);
    const proof = authenticator.assert(stepUp.body, PASSKEY_ORIGIN, { counter: 0 });
    const again = await request(t.url)
      .post('/api/auth/passkeys/registration/options')
      .set(...bearer(user.accessToken))
      .send({ password: user.password, passkey: proof })
      .expect(200);
    expect(() => authenticator.register(again.body, PASSKEY_ORIGIN)).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );

    // Second factor.
    const mfaToken = await passwordStep(t, user);
    const options = await assertionOptions(t, mfaToken);
    expect(options.allowCredentials).toEqual([expect.objectContaining({ id: credential.id })]);
    const second = await signInWith(t, authenticator.assert(options, PASSKEY_ORIGIN), mfaToken);
    expect(second.status).toBe(200);
    expect(amrOf(second.body.accessToken)).toEqual(['pwd', 'hwk']);
    expect(await storedCounter(t, credential.id)).toBe(1);

    // Passwordless: no list, user verification required, the resident key's user handle.
    const discoverable = await assertionOptions(t);
    expect(discoverable.allowCredentials ?? []).toEqual([]);
    expect(discoverable.userVerification).toBe('required');
    const passwordless = await signInWith(t, authenticator.assert(discoverable, PASSKEY_ORIGIN));
    expect(passwordless.status).toBe(200);
    expect(amrOf(passwordless.body.accessToken)).toEqual(['hwk', 'user']);
    expect((await getMe(t, passwordless.body.accessToken).expect(200)).body.id).toBe(user.id);
    expect(await storedCounter(t, credential.id)).toBe(2);
  });

  it('stores the backup flags of a synced passkey', async () => {
    const user = await registerAndLogin(t);
    const added = await addPasskey(
      t,
      user,
      new SoftAuthenticator({ backupEligible: true, backedUp: true, counterStep: 0 }),
    );
    expect(added).toMatchObject({ backupEligible: true, backedUp: true });
  });

  it("answers 404 to another user's removal of a passkey, which stays its owner's", async () => {
    const owner = await registerAndLogin(t);
    const added = await addPasskey(t, owner, new SoftAuthenticator());
    // The stranger proves their own password (they have no factor): only the id is someone else's.
    const stranger = await registerAndLogin(t);
    expectErrorBody(
      await request(t.url)
        .delete(`/api/auth/passkeys/${added.id}`)
        .set(...bearer(stranger.accessToken))
        .send({ password: stranger.password }),
      404,
    );
    const [{ n }] = await sql<{ n: number }>(
      t,
      'SELECT count(*)::int AS n FROM passkeys WHERE id = $1 AND user_id = $2',
      [added.id, owner.id],
    );
    expect(n).toBe(1);
  });

  it('refuses a passwordless assertion without user verification, as a failed sign-in', async () => {
    const user = await registerAndLogin(t);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, user, authenticator);
    const options = await assertionOptions(t);
    const res = await signInWith(
      t,
      authenticator.assert(options, PASSKEY_ORIGIN, { userVerified: false }),
    );
    expectErrorBody(res, 401);
    expect(res.body.message).toBe(SIGN_IN_ERRORS.PASSKEY_REFUSED);
    const [{ n }] = await sql<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = 'auth.login.failure'`,
      [user.id],
    );
    expect(n).toBe(1);
  });

  it('refuses an assertion from another origin, as a wrong second factor', async () => {
    const user = await registerAndLogin(t);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, user, authenticator);
    const mfaToken = await passwordStep(t, user);
    const options = await assertionOptions(t, mfaToken);
    const res = await signInWith(
      t,
      authenticator.assert(options, 'http://localhost:6666'),
      mfaToken,
    );
    expectErrorBody(res, 401);
    expect(res.body.message).toBe(SIGN_IN_ERRORS.WRONG_SECOND_FACTOR);
    const [challenge] = await sql<{ failures: number }>(
      t,
      'SELECT failures FROM mfa_challenges WHERE user_id = $1',
      [user.id],
    );
    expect(challenge.failures).toBe(1);
  });
});
