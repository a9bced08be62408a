import request from 'supertest';
import { bearer, login, register, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import {
  exchangeCode,
  RESULT_COOKIE,
  signInWithProvider,
  type CallbackAnswer,
} from '../support/identity-provider/provider-flow';
import { newAccount, providerTokens, startOneProvider } from './provider-suite';

/** POST /api/auth/oidc/exchange: the one-time code, bound to the browser by its result cookie. */
describe('provider sign-in: the code exchange', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  beforeAll(async () => {
    ({ t, idp } = await startOneProvider([], { linkVerifiedEmail: true }));
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  async function signedIn(): Promise<CallbackAnswer & { code: string }> {
    const account = newAccount('exchange');
    await idp.setAccount(account);
    const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
    const code = answer.fragment.get('code');
    if (!code || !answer.resultCookie) throw new Error(`not signed in: ${answer.location.href}`);
    return { ...answer, code };
  }

  it('answers 400 without the result cookie, and the code still works with it', async () => {
    const answer = await signedIn();
    await exchangeCode(t, answer.code).expect(400);
    // A request without the cookie proves nothing, so it must not burn the code.
    await exchangeCode(t, answer.code, answer.resultCookie).expect(200);
  });

  it("answers 400 with another browser's result cookie", async () => {
    const mine = await signedIn();
    const theirs = await signedIn();
    await exchangeCode(t, mine.code, theirs.resultCookie).expect(400);
    await exchangeCode(t, mine.code, 'not-the-cookie').expect(400);
  });

  it('answers 400 to a code used twice, and clears the result cookie', async () => {
    const answer = await signedIn();
    const first = await exchangeCode(t, answer.code, answer.resultCookie).expect(200);
    expect(first.body.accessToken).toEqual(expect.any(String));
    const cleared = ([] as string[])
      .concat(first.headers['set-cookie'] ?? [])
      .find((line) => line.startsWith(`${RESULT_COOKIE}=`));
    expect(cleared).toMatch(/^__Host-oidc_result=;/);
    await exchangeCode(t, answer.code, answer.resultCookie).expect(400);
  });

  it('answers 400 to an unknown code', async () => {
    const answer = await signedIn();
    await exchangeCode(t, `${answer.code}x`, answer.resultCookie).expect(400);
  });

  it('lives 60 seconds (by the database clock), then answers 400', async () => {
    const answer = await signedIn();
    const [row] = await sql<{ ttl: number }>(
      t,
      'SELECT extract(epoch FROM expires_at - now())::float AS ttl FROM provider_sign_in_codes ORDER BY expires_at DESC LIMIT 1',
    );
    expect(row.ttl).toBeGreaterThan(50);
    expect(row.ttl).toBeLessThanOrEqual(60);
    // The database decides expiry (insertExpiring): age this code's row as a minute would.
    await sql(
      t,
      "UPDATE provider_sign_in_codes SET expires_at = now() - interval '1 second' WHERE code_hash = encode(sha256($1::bytea), 'hex')",
      [answer.code],
    );
    await exchangeCode(t, answer.code, answer.resultCookie).expect(400);
  });

  describe('a credential change between the callback and the exchange kills the code', () => {
    /** A local account with a password, linked to a provider identity by its verified address. */
    async function linkedLocal() {
      const account = newAccount('cv');
      await idp.setAccount(account);
      const local = await register(t, { email: account.email });
      await sql(t, 'UPDATE users SET email_verified = true WHERE id = $1', [local.id]);
      await providerTokens(t, 'idp', account.id, idp.caFile);
      return { account, local };
    }

    it('logout-all', async () => {
      const { account, local } = await linkedLocal();
      const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
      const session = await login(t, local);
      await request(t.url)
        .post('/api/auth/logout-all')
        .set(...bearer(session.accessToken))
        .send({ password: local.password })
        .expect(204);
      await exchangeCode(t, answer.fragment.get('code') as string, answer.resultCookie).expect(400);
    });

    it('a password change', async () => {
      const { account, local } = await linkedLocal();
      const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
      const session = await login(t, local);
      await request(t.url)
        .post('/api/users/me/password')
        .set(...bearer(session.accessToken))
        .send({ currentPassword: local.password, newPassword: `${local.password}-Changed7` })
        .expect(204);
      await exchangeCode(t, answer.fragment.get('code') as string, answer.resultCookie).expect(400);
    });

    it('a deactivated account', async () => {
      const { account, local } = await linkedLocal();
      const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
      await sql(t, 'UPDATE users SET is_active = false WHERE id = $1', [local.id]);
      await exchangeCode(t, answer.fragment.get('code') as string, answer.resultCookie).expect(400);
    });
  });
});
