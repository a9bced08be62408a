import request from 'supertest';
import { bearer } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  appAddress,
  appWithProviders,
  newAccount,
  oidcEntry,
  providerFor,
  providerTokens,
} from './provider-suite';

const INSUFFICIENT = 'Bearer error="insufficient_user_authentication"';
const STEP_UP_MAX_AGE_SECONDS = 2;

/**
 * An account without a password proves a credential change with a provider sign-in on this very
 * session, while it is fresh (STEP_UP_MAX_AGE, small here so the test can outlive it).
 */
describe('provider identities: a password-less account steps up with a fresh provider sign-in', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  let other: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, 'idp', []);
    other = await providerFor(ca, address, 'other', []);
    t = await appWithProviders(address, ca, [oidcEntry('idp', idp), oidcEntry('other', other)], {
      STEP_UP_MAX_AGE: String(STEP_UP_MAX_AGE_SECONDS),
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await other?.stop();
  });

  const startLink = (token: string, body: Record<string, string> = {}) =>
    request(t.url)
      .post('/api/auth/oidc/other/link')
      .set(...bearer(token))
      .send(body);

  it('accepts a credential change right after the provider sign-in, without a password', async () => {
    const account = newAccount('fresh');
    await idp.setAccount(account);
    const session = await providerTokens(t, 'idp', account.id, idp.caFile);
    const res = await startLink(session.accessToken).expect(200);
    expect(res.body.authorizeUrl).toEqual(expect.stringContaining(other.issuer));
  });

  it('refuses it once the sign-in is older than STEP_UP_MAX_AGE (401, insufficient_user_authentication)', async () => {
    const account = newAccount('stale');
    await idp.setAccount(account);
    const session = await providerTokens(t, 'idp', account.id, idp.caFile);
    await new Promise((resolve) => setTimeout(resolve, (STEP_UP_MAX_AGE_SECONDS + 1.5) * 1000));
    const res = await startLink(session.accessToken).expect(401);
    expect(res.headers['www-authenticate']).toBe(INSUFFICIENT);
    // A password is no way out for an account that has none.
    await startLink(session.accessToken, { password: 'Anything-at-all-42!' }).expect(401);
    // A new provider sign-in is.
    const again = await providerTokens(t, 'idp', account.id, idp.caFile);
    await startLink(again.accessToken).expect(200);
  });
});
