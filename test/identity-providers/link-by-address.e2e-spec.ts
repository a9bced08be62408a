import { getMe, refreshWith, register, login, sql, type TestUser } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  appAddress,
  appWithProviders,
  auditOf,
  errorLocation,
  identityRows,
  newAccount,
  oidcEntry,
  providerFor,
  userIdByEmail,
} from './provider-suite';

/**
 * One provider under three entries: `trusting` may link by a verified address, `strict` may not,
 * `closed` may not create accounts. Identities are keyed by (iss, sub), so all three see one issuer.
 */
describe('provider sign-in: linking by a verified address', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, ['trusting', 'strict', 'closed'], []);
    t = await appWithProviders(address, ca, [
      oidcEntry('trusting', idp, { name: 'Trusting', linkVerifiedEmail: true }),
      oidcEntry('strict', idp, { name: 'Strict' }),
      oidcEntry('closed', idp, { name: 'Closed', allowSignUp: false }),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  /** A local account with the address `email`, verified or not. */
  async function localAccount(email: string, verified: boolean): Promise<TestUser> {
    const user = await register(t, { email });
    await sql(t, 'UPDATE users SET email_verified = $2 WHERE id = $1', [user.id, verified]);
    return user;
  }

  async function outboxPurposes(recipient: string): Promise<string[]> {
    const rows = await sql<{ purpose: string }>(
      t,
      'SELECT purpose FROM mail_outbox WHERE recipient = $1 ORDER BY created_at',
      [recipient],
    );
    return rows.map((row) => row.purpose);
  }

  it('signs into the existing account when both sides verified the address, and mails the owner', async () => {
    const account = newAccount('linkme');
    await idp.setAccount(account);
    const local = await localAccount(account.email, true);
    const before = await login(t, local);

    const answer = await signInWithProvider(t, 'trusting', { account: account.id }, idp.caFile);
    expect(answer.fragment.get('error')).toBeNull();
    const tokens = await exchangeCode(
      t,
      answer.fragment.get('code') as string,
      answer.resultCookie,
    ).expect(200);
    const me = await getMe(t, tokens.body.accessToken).expect(200);
    expect(me.body.id).toBe(local.id);
    expect(await identityRows(t, account.id)).toEqual([
      { user_id: local.id, issuer: idp.issuer, provider: 'trusting' },
    ]);
    expect(await outboxPurposes(account.email)).toContain('identity-linked');
    expect(await auditOf(t, 'auth.oidc.linked', local.id)).toEqual([
      expect.objectContaining({ provider: 'trusting', by: 'verified_email' }),
    ]);
    expect(await auditOf(t, 'auth.oidc.login', local.id)).toEqual([
      expect.objectContaining({ provider: 'trusting', account: 'linked_by_email' }),
    ]);
    // A new way in: the sessions opened before it end.
    await refreshWith(t, before.refreshToken).expect(401);
    // The password still works.
    await login(t, local);
  });

  it.each([
    ['the provider entry does not link by address', 'strict', true, true],
    ['the provider did not verify the address', 'trusting', false, true],
    ['the local account did not verify its address', 'trusting', true, false],
  ])(
    'answers link_required when %s, and links nothing',
    async (_why, providerId, providerVerified, localVerified) => {
      const account = newAccount('refused', { email_verified: providerVerified });
      await idp.setAccount(account);
      const local = await localAccount(account.email, localVerified);
      const answer = await signInWithProvider(t, providerId, { account: account.id }, idp.caFile);
      expect(answer.location.href).toBe(errorLocation('link_required'));
      expect(answer.resultCookie).toBeUndefined();
      expect(await identityRows(t, account.id)).toEqual([]);
      expect(await outboxPurposes(account.email)).not.toContain('identity-linked');
      expect(await auditOf(t, 'auth.oidc.failure')).toContainEqual(
        expect.objectContaining({ provider: providerId, reason: 'link_required' }),
      );
      await login(t, local);
    },
  );

  it('answers email_not_verified and creates nothing when the provider did not verify a new address', async () => {
    const account = newAccount('unverified', { email_verified: false });
    await idp.setAccount(account);
    const answer = await signInWithProvider(t, 'trusting', { account: account.id }, idp.caFile);
    expect(answer.location.href).toBe(errorLocation('email_not_verified'));
    expect(await userIdByEmail(t, account.email)).toBeUndefined();
    expect(await identityRows(t, account.id)).toEqual([]);
  });

  it('answers email_not_verified when the provider gives no address at all', async () => {
    const account = newAccount('noaddress');
    await idp.setAccount({ id: account.id });
    const answer = await signInWithProvider(t, 'trusting', { account: account.id }, idp.caFile);
    expect(answer.location.href).toBe(errorLocation('email_not_verified'));
    expect(await identityRows(t, account.id)).toEqual([]);
  });

  it('answers link_required and creates nothing when sign-up is off and no account has the address', async () => {
    const account = newAccount('closed');
    await idp.setAccount(account);
    const answer = await signInWithProvider(t, 'closed', { account: account.id }, idp.caFile);
    expect(answer.location.href).toBe(errorLocation('link_required'));
    expect(await userIdByEmail(t, account.email)).toBeUndefined();
    expect(await identityRows(t, account.id)).toEqual([]);
  });

  it('lets an already linked identity sign in through an entry that would not link or create', async () => {
    const account = newAccount('linked');
    await idp.setAccount(account);
    const first = await signInWithProvider(t, 'trusting', { account: account.id }, idp.caFile);
    expect(first.fragment.get('code')).toBeTruthy();
    const userId = await userIdByEmail(t, account.email);
    const again = await signInWithProvider(t, 'closed', { account: account.id }, idp.caFile);
    const tokens = await exchangeCode(
      t,
      again.fragment.get('code') as string,
      again.resultCookie,
    ).expect(200);
    expect((await getMe(t, tokens.body.accessToken).expect(200)).body.id).toBe(userId);
  });
});
