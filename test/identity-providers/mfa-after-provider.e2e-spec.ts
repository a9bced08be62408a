import { getMe, login, register, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';
import { amrOf, awayFromStepEdge, codeAt, enrolTotp, verify } from '../mfa/mfa-helpers';
import { auditOf, newAccount, startOneProvider } from './provider-suite';

describe('provider sign-in: a second factor is still asked', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  beforeAll(async () => {
    ({ t, idp } = await startOneProvider([], { linkVerifiedEmail: true }));
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('answers the MFA step to the exchange, and the code completes it with amr fed + otp', async () => {
    const account = newAccount('mfa');
    await idp.setAccount(account);
    const local = await register(t, { email: account.email });
    const { secret } = await enrolTotp(t, await login(t, local));
    // Linked by its verified address (enrolTotp verified it), then the identity is the first factor.
    await awayFromStepEdge();
    const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
    expect(answer.fragment.get('error')).toBeNull();
    const first = await exchangeCode(
      t,
      answer.fragment.get('code') as string,
      answer.resultCookie,
    ).expect(200);
    expect(first.body).toEqual(
      expect.objectContaining({ mfaRequired: true, mfaToken: expect.any(String) }),
    );
    expect(first.body.accessToken).toBeUndefined();
    expect(first.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/refresh/i));

    const done = await verify(t, { mfaToken: first.body.mfaToken, code: codeAt(secret) }).expect(
      200,
    );
    expect(amrOf(done.body.accessToken)).toEqual(['fed', 'otp']);
    expect((await getMe(t, done.body.accessToken).expect(200)).body.id).toBe(local.id);
    const [session] = await sql<{ identity_id: string | null }>(
      t,
      'SELECT identity_id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
      [local.id],
    );
    const [identity] = await sql<{ id: string }>(
      t,
      'SELECT id FROM user_identities WHERE subject = $1',
      [account.id],
    );
    expect(session.identity_id).toBe(identity.id);
    expect(await auditOf(t, 'auth.oidc.login', local.id)).toHaveLength(1);
  });

  it('refuses a wrong code after a provider first step', async () => {
    const account = newAccount('mfawrong');
    await idp.setAccount(account);
    const local = await register(t, { email: account.email });
    const { secret } = await enrolTotp(t, await login(t, local));
    await awayFromStepEdge();
    const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
    const first = await exchangeCode(
      t,
      answer.fragment.get('code') as string,
      answer.resultCookie,
    ).expect(200);
    const wrong = codeAt(secret, 5);
    await verify(t, { mfaToken: first.body.mfaToken, code: wrong }).expect(401);
  });
});
