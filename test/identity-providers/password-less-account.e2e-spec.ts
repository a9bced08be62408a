import request from 'supertest';
import { bearer, decodeJwt } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';
import { createTestCa } from '../support/identity-provider/test-ca';
import type { TestSmtpServer } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
  linkToken,
  post,
  startLifecycleSuite,
  stopLifecycleSuite,
} from '../lifecycle/lifecycle-helpers';
import { appAddress, oidcEntry, providerEnv, providerFor } from './provider-suite';

jest.setTimeout(60_000);

const NEW_PASSWORD = 'Lantern!Quarry-Mosaic-77';

/**
 * An account a provider sign-in made has no password: a password sign-in costs it the same as a
 * wrong one, a password is not a proof for it, and it sets one through the reset link (real SMTP).
 */
describe('an account without a password (made by a provider sign-in)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let idp: IdentityProvider;
  let people = 0;

  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, 'idp', []);
    ({ smtp, t } = await startLifecycleSuite(providerEnv(address, ca, [oidcEntry('idp', idp)])));
  });
  afterAll(async () => {
    await stopLifecycleSuite({ smtp, t });
    await idp?.stop();
  });

  /** A new person at the provider, signed up here through it; their tokens. */
  async function signedUp(): Promise<{ email: string; accessToken: string }> {
    const id = `person-${++people}-${Date.now()}`;
    const email = `${id}@pwless.test`;
    await idp.setAccount({ id, email, email_verified: true });
    const answer = await signInWithProvider(t, 'idp', { account: id }, idp.caFile);
    const code = answer.fragment.get('code') ?? '';
    const tokens = await exchangeCode(t, code, answer.resultCookie).expect(200);
    expect(decodeJwt(tokens.body.accessToken).payload.amr).toEqual(['fed']);
    return { email, accessToken: tokens.body.accessToken as string };
  }

  it('refuses every password, at sign-in and as a proof, with the answers a wrong one gets', async () => {
    const { email, accessToken } = await signedUp();
    const signIn = expectErrorBody(
      await post(t, '/api/auth/login', { email, password: NEW_PASSWORD }),
      401,
    );
    expect(signIn.message).toBe('Invalid email or password');
    const change = await request(t.url)
      .post('/api/users/me/password')
      .set(...bearer(accessToken))
      .send({ currentPassword: NEW_PASSWORD, newPassword: `${NEW_PASSWORD}x` });
    expect(expectErrorBody(change, 401).message).toBe('Password is incorrect');
  });

  it('sets a password through the reset link, then signs in with it and may unlink the provider', async () => {
    const { email, accessToken } = await signedUp();
    await post(t, '/api/auth/password/forgot', { email }).expect(202);
    const token = linkToken(await smtp.nextMessage(email), '/reset-password');
    await post(t, '/api/auth/password/reset', { token, newPassword: NEW_PASSWORD }).expect(204);
    // The reset ended every session, the provider one included.
    await request(t.url)
      .get('/api/users/me')
      .set(...bearer(accessToken))
      .expect(401);
    const session = await post(t, '/api/auth/login', { email, password: NEW_PASSWORD }).expect(200);
    const auth = bearer(session.body.accessToken as string);
    const identities = await request(t.url)
      .get('/api/users/me/identities')
      .set(...auth)
      .expect(200);
    expect(identities.body).toEqual([expect.objectContaining({ provider: 'idp', email })]);
    // With a password the identity is no longer the last way in.
    await request(t.url)
      .delete(`/api/users/me/identities/${identities.body[0].id}`)
      .set(...auth)
      .send({ password: NEW_PASSWORD })
      .expect(204);
    await request(t.url)
      .get('/api/users/me/identities')
      .set(...auth)
      .expect(200, []);
  });
});
