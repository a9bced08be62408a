import request from 'supertest';
import {
  bearer,
  getMe,
  login,
  refreshWith,
  registerAndLogin,
  setCookieOf,
  sql,
} from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { deliverCallback, FLOW_COOKIE } from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  APP_URL,
  appAddress,
  appWithProviders,
  auditOf,
  errorLocation,
  identityRows,
  listIdentities,
  newAccount,
  oidcEntry,
  providerFor,
  providerTokens,
} from './provider-suite';

const INSUFFICIENT = 'Bearer error="insufficient_user_authentication"';

/** Linking from a signed-in session, listing and unlinking, against two providers. */
describe('provider identities: link from a session, list, unlink', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  let other: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, 'idp', []);
    other = await providerFor(ca, address, 'other', []);
    t = await appWithProviders(address, ca, [oidcEntry('idp', idp), oidcEntry('other', other)]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await other?.stop();
  });

  function startLink(token: string, providerId: string, proofs: Record<string, string> = {}) {
    return request(t.url)
      .post(`/api/auth/oidc/${providerId}/link`)
      .set(...bearer(token))
      .send(proofs);
  }

  /** POST /link then the provider's login, up to the callback answer. */
  async function linkThrough(
    token: string,
    provider: IdentityProvider,
    providerId: string,
    accountId: string,
    proofs: Record<string, string> = {},
    beforeCallback?: () => Promise<void>,
  ) {
    const res = await startLink(token, providerId, proofs).expect(200);
    const flowCookie = setCookieOf(res, FLOW_COOKIE).value;
    const callback = await signInAtProvider(
      res.body.authorizeUrl,
      { account: accountId },
      provider.caFile,
    );
    await beforeCallback?.();
    return deliverCallback(t, callback, flowCookie);
  }

  it('needs the password, links, ends the other sessions but the caller’s, and mails the owner', async () => {
    const user = await registerAndLogin(t);
    const elsewhere = await login(t, user);
    const account = newAccount('link');
    await idp.setAccount(account);

    const bare = await startLink(user.accessToken, 'idp').expect(401);
    expect(bare.headers['www-authenticate']).toBe(INSUFFICIENT);
    const res = await startLink(user.accessToken, 'idp', { password: user.password }).expect(200);
    expect(res.body).toEqual({ authorizeUrl: expect.stringMatching(`^${idp.issuer}/auth\\?`) });
    const attrs = setCookieOf(res, FLOW_COOKIE).attrs;
    for (const attr of ['httponly', 'secure', 'path', 'samesite', 'max-age'])
      expect(attrs.has(attr)).toBe(true);
    expect(attrs.get('samesite')?.toLowerCase()).toBe('samesite=lax');
    expect(attrs.get('max-age')).toBe('Max-Age=600');

    const answer = await linkThrough(user.accessToken, idp, 'idp', account.id, {
      password: user.password,
    });
    expect(answer.location.href).toBe(`${APP_URL}/settings#linked=idp`);
    expect(answer.resultCookie).toBeUndefined();
    await getMe(t, user.accessToken).expect(200);
    await refreshWith(t, user.refreshToken).expect(200);
    await refreshWith(t, elsewhere.refreshToken).expect(401);
    expect(await listIdentities(t, user.accessToken)).toEqual([
      {
        id: expect.any(String),
        provider: 'idp',
        email: account.email,
        createdAt: expect.any(String),
      },
    ]);
    expect(await auditOf(t, 'auth.oidc.linked', user.id)).toEqual([
      expect.objectContaining({ provider: 'idp', by: 'session', sessionsEnded: 1 }),
    ]);
    const mail = await sql<{ purpose: string }>(
      t,
      'SELECT purpose FROM mail_outbox WHERE recipient = $1',
      [user.email],
    );
    expect(mail.map((m) => m.purpose)).toContain('identity-linked');
    // The identity now signs into this account.
    const viaProvider = await providerTokens(t, 'idp', account.id, idp.caFile);
    expect((await getMe(t, viaProvider.accessToken).expect(200)).body.id).toBe(user.id);
  });

  it('refuses an identity linked to another account (identity_in_use)', async () => {
    const account = newAccount('taken');
    await idp.setAccount(account);
    await providerTokens(t, 'idp', account.id, idp.caFile); // its own, new account
    const [owner] = await identityRows(t, account.id);
    const user = await registerAndLogin(t);
    const answer = await linkThrough(user.accessToken, idp, 'idp', account.id, {
      password: user.password,
    });
    expect(answer.location.href).toBe(errorLocation('identity_in_use'));
    expect(await identityRows(t, account.id)).toEqual([owner]);
    expect(await listIdentities(t, user.accessToken)).toEqual([]);
  });

  it('links nothing when the session that asked was ended before the callback', async () => {
    const user = await registerAndLogin(t);
    const account = newAccount('ended');
    await idp.setAccount(account);
    const answer = await linkThrough(
      user.accessToken,
      idp,
      'idp',
      account.id,
      { password: user.password },
      async () => {
        await request(t.url)
          .post('/api/auth/logout')
          .set(...bearer(user.accessToken))
          .expect(204);
      },
    );
    expect(answer.location.href).toBe(errorLocation('invalid_state'));
    expect(await identityRows(t, account.id)).toEqual([]);
    expect(await auditOf(t, 'auth.oidc.linked', user.id)).toEqual([]);
  });

  it('unlinks with the password (204), audited; without it 401', async () => {
    const user = await registerAndLogin(t);
    const account = newAccount('unlink');
    await idp.setAccount(account);
    await linkThrough(user.accessToken, idp, 'idp', account.id, { password: user.password });
    const [identity] = await listIdentities(t, user.accessToken);
    const bare = await request(t.url)
      .delete(`/api/users/me/identities/${identity.id}`)
      .set(...bearer(user.accessToken))
      .send({})
      .expect(401);
    expect(bare.headers['www-authenticate']).toBe(INSUFFICIENT);
    await request(t.url)
      .delete(`/api/users/me/identities/${identity.id}`)
      .set(...bearer(user.accessToken))
      .send({ password: user.password })
      .expect(204);
    expect(await listIdentities(t, user.accessToken)).toEqual([]);
    expect(await auditOf(t, 'auth.oidc.unlinked', user.id)).toEqual([
      expect.objectContaining({ provider: 'idp', identityId: identity.id }),
    ]);
  });

  it('refuses to unlink the last way into a password-less account (409)', async () => {
    const account = newAccount('last');
    await idp.setAccount(account);
    const session = await providerTokens(t, 'idp', account.id, idp.caFile);
    const [identity] = await listIdentities(t, session.accessToken);
    await request(t.url)
      .delete(`/api/users/me/identities/${identity.id}`)
      .set(...bearer(session.accessToken))
      .send({})
      .expect(409);
    expect(await identityRows(t, account.id)).toHaveLength(1);
  });

  it('unlinks one of two identities (204) and ends the sessions that identity opened', async () => {
    const first = newAccount('two-a');
    const second = newAccount('two-b');
    await idp.setAccount(first);
    await other.setAccount(second);
    const byFirst = await providerTokens(t, 'idp', first.id, idp.caFile);
    // A fresh provider sign-in is the proof a password-less account links with.
    const linked = await linkThrough(byFirst.accessToken, other, 'other', second.id);
    expect(linked.location.href).toBe(`${APP_URL}/settings#linked=other`);
    const bySecond = await providerTokens(t, 'other', second.id, other.caFile);
    const alsoByFirst = await providerTokens(t, 'idp', first.id, idp.caFile);
    const identities = await listIdentities(t, bySecond.accessToken);
    expect(identities.map((i) => i.provider).sort()).toEqual(['idp', 'other']);
    const firstIdentity = identities.find((i) => i.provider === 'idp')!;

    await request(t.url)
      .delete(`/api/users/me/identities/${firstIdentity.id}`)
      .set(...bearer(bySecond.accessToken))
      .send({})
      .expect(204);
    await refreshWith(t, alsoByFirst.refreshToken).expect(401);
    await refreshWith(t, byFirst.refreshToken).expect(401);
    await refreshWith(t, bySecond.refreshToken).expect(200);
    expect((await listIdentities(t, bySecond.accessToken)).map((i) => i.provider)).toEqual([
      'other',
    ]);
    // That identity no longer reaches the account: it would be a new sign-up, refused on the address.
    const again = await deliverAgain(first.id);
    expect(again).toBe(errorLocation('link_required'));
  });

  async function deliverAgain(accountId: string): Promise<string> {
    const res = await request(t.url).get('/api/auth/oidc/idp/authorize').expect(302);
    const callback = await signInAtProvider(
      res.headers.location,
      { account: accountId },
      idp.caFile,
    );
    const answer = await deliverCallback(t, callback, setCookieOf(res, FLOW_COOKIE).value);
    return answer.location.href;
  }
});
