import { getMe, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import {
  deliverCallback,
  exchangeCode,
  startProviderSignIn,
} from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  appAddress,
  appWithProviders,
  errorLocation,
  identityRows,
  newAccount,
  oidcEntry,
  providerFor,
  providerTokens,
} from './provider-suite';

/**
 * RFC 9207: `iss` in the authorization response must be the provider's issuer, and may be absent
 * only from a provider that does not advertise it (`quiet` here). Also: a disabled account.
 */
describe('provider sign-in: the iss parameter, and a disabled account', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  let quiet: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, 'idp', []);
    quiet = await providerFor(ca, address, 'quiet', [], { advertiseIssParameter: false });
    t = await appWithProviders(address, ca, [oidcEntry('idp', idp), oidcEntry('quiet', quiet)]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await quiet?.stop();
  });

  async function callbackFrom(provider: IdentityProvider, providerId: string) {
    const account = newAccount('iss');
    await provider.setAccount(account);
    const flow = await startProviderSignIn(t, providerId);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      provider.caFile,
    );
    return { account, flow, callback };
  }

  it('refuses an answer without iss from a provider that advertises it (invalid_response)', async () => {
    const { account, flow, callback } = await callbackFrom(idp, 'idp');
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    callback.searchParams.delete('iss');
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href).toBe(errorLocation('invalid_response'));
    expect(await identityRows(t, account.id)).toEqual([]);
  });

  it('refuses an answer whose iss is not the issuer (invalid_response)', async () => {
    const { account, flow, callback } = await callbackFrom(idp, 'idp');
    callback.searchParams.set('iss', `${idp.issuer}/evil`);
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href).toBe(errorLocation('invalid_response'));
    expect(await identityRows(t, account.id)).toEqual([]);
  });

  it('accepts an answer without iss from a provider that does not advertise it', async () => {
    const { account, flow, callback } = await callbackFrom(quiet, 'quiet');
    expect(callback.searchParams.has('iss')).toBe(false);
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    const tokens = await exchangeCode(
      t,
      answer.fragment.get('code') as string,
      answer.resultCookie,
    ).expect(200);
    expect((await getMe(t, tokens.body.accessToken).expect(200)).body.email).toBe(account.email);
  });

  it('refuses a linked identity whose account is deactivated (account_disabled), no code', async () => {
    const account = newAccount('disabled');
    await idp.setAccount(account);
    await providerTokens(t, 'idp', account.id, idp.caFile);
    const [identity] = await identityRows(t, account.id);
    await sql(t, 'UPDATE users SET is_active = false WHERE id = $1', [identity.user_id]);
    const flow = await startProviderSignIn(t, 'idp');
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href).toBe(errorLocation('account_disabled'));
    expect(answer.resultCookie).toBeUndefined();
  });
});
