import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { deliverCallback, startProviderSignIn } from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  APP_URL,
  appAddress,
  appWithProviders,
  newAccount,
  oidcEntry,
  startIdentityProviderFor,
} from './provider-suite';

/**
 * PUBLIC_API_URL may carry a path (the API behind a proxy at a sub-path, which strips it): the
 * redirect URI the provider is given, and the one the code is redeemed with, are both that URL.
 */
describe('provider sign-in: PUBLIC_API_URL with a path', () => {
  const PREFIX = '/accounts-api';
  let t: TestApp;
  let idp: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    const publicApi = `${address.api}${PREFIX}`;
    idp = await startIdentityProviderFor(ca, [`${publicApi}/api/auth/oidc/idp/callback`]);
    t = await appWithProviders(address, ca, [oidcEntry('idp', idp)], { PUBLIC_API_URL: publicApi });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('signs in when the proxy hands the callback on without the path', async () => {
    const account = newAccount('prefixed');
    await idp.setAccount(account);
    const flow = await startProviderSignIn(t, 'idp');
    expect(flow.providerUrl.searchParams.get('redirect_uri')).toBe(
      `${t.url}${PREFIX}/api/auth/oidc/idp/callback`,
    );
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    expect(callback.pathname).toBe(`${PREFIX}/api/auth/oidc/idp/callback`);
    // What the proxy forwards: the same request, its path prefix stripped.
    callback.pathname = callback.pathname.slice(PREFIX.length);
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href.startsWith(`${APP_URL}/signed-in#code=`)).toBe(true);
    expect(answer.resultCookie).toBeDefined();
  });
});
