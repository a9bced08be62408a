import request from 'supertest';
import { decodeJwt, getMe, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import {
  exchangeCode,
  FLOW_COOKIE,
  RESULT_COOKIE,
  signInWithProvider,
  startProviderSignIn,
} from '../support/identity-provider/provider-flow';
import {
  APP_URL,
  auditOf,
  callbackOf,
  listIdentities,
  newAccount,
  providerTokens,
  startOneProvider,
  userIdByEmail,
  type AppAddress,
} from './provider-suite';

describe('provider sign-in: sign-up and sign-in again', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  let address: AppAddress;
  beforeAll(async () => {
    ({ t, idp, address } = await startOneProvider([]));
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('lists the providers as { id, name } only', async () => {
    const res = await request(t.url).get('/api/auth/oidc/providers').expect(200);
    expect(res.body).toEqual([{ id: 'idp', name: 'Provider idp' }]);
  });

  it('answers 404 for the authorization of an unknown provider', async () => {
    await request(t.url).get('/api/auth/oidc/nope/authorize').expect(404);
  });

  it('redirects to the provider with PKCE S256, state and nonce, and a sealed flow cookie', async () => {
    const res = await request(t.url).get('/api/auth/oidc/idp/authorize').expect(302);
    expect(res.headers['cache-control']).toBe('no-store');
    const to = new URL(res.headers.location);
    expect(`${to.origin}${to.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(to.searchParams.get('client_id')).toBe('app');
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('redirect_uri')).toBe(callbackOf(address, 'idp'));
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')).toBeTruthy();
    expect(to.searchParams.get('nonce')).toBeTruthy();
    const cookie = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((line) => line.startsWith(`${FLOW_COOKIE}=`));
    expect(cookie).toBeDefined();
    const attrs = (cookie as string).split(';').map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/', 'max-age=600']),
    );
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    // The cookie is sealed: neither the state nor the verifier can be read from it.
    const flow = await startProviderSignIn(t, 'idp');
    expect(flow.flowCookie).not.toContain(flow.providerUrl.searchParams.get('state'));
  });

  it('creates a password-less, verified account with a random username, and its tokens work', async () => {
    const account = newAccount('new', { name: 'Ada Lovelace' });
    await idp.setAccount(account);
    const answer = await signInWithProvider(t, 'idp', { account: account.id }, idp.caFile);
    const code = answer.fragment.get('code') as string;
    expect(answer.location.href).toBe(`${APP_URL}/signed-in#code=${encodeURIComponent(code)}`);
    expect(answer.res.headers['cache-control']).toBe('no-store');
    const result = ([] as string[])
      .concat(answer.res.headers['set-cookie'] ?? [])
      .find((line) => line.startsWith(`${RESULT_COOKIE}=`)) as string;
    expect(result.split(';').map((a) => a.trim().toLowerCase())).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/', 'max-age=60']),
    );
    // The flow cookie is spent by the callback.
    const cleared = ([] as string[])
      .concat(answer.res.headers['set-cookie'] ?? [])
      .find((line) => line.startsWith(`${FLOW_COOKIE}=`));
    expect(cleared).toMatch(/^__Host-oidc_flow=;/);

    const tokens = await exchangeCode(t, code, answer.resultCookie).expect(200);
    expect(decodeJwt(tokens.body.accessToken).payload.amr).toEqual(['fed']);
    const me = await getMe(t, tokens.body.accessToken).expect(200);
    expect(me.body.email).toBe(account.email);
    expect(me.body.emailVerified).toBe(true);
    expect(me.body.username).toMatch(/^user_[a-z0-9]{12}$/i);
    expect(me.body.username).not.toContain('ada');
    const [row] = await sql<{ password_hash: string | null; birth_date: string | null }>(
      t,
      'SELECT password_hash, birth_date FROM users WHERE id = $1',
      [me.body.id],
    );
    expect(row).toEqual({ password_hash: null, birth_date: null });
    // No password: any password is refused like a wrong one.
    await request(t.url)
      .post('/api/auth/login')
      .send({ email: account.email, password: 'Anything-at-all-42!' })
      .expect(401);
    expect(await listIdentities(t, tokens.body.accessToken)).toEqual([
      {
        id: expect.any(String),
        provider: 'idp',
        email: account.email,
        createdAt: expect.any(String),
      },
    ]);
    expect(await auditOf(t, 'auth.oidc.login', me.body.id)).toEqual([
      expect.objectContaining({ provider: 'idp', account: 'created' }),
    ]);
  });

  it('signs in again to the same account (audited as linked), amr fed', async () => {
    const account = newAccount('again');
    await idp.setAccount(account);
    const first = await providerTokens(t, 'idp', account.id, idp.caFile);
    const userId = (await getMe(t, first.accessToken).expect(200)).body.id as string;

    const second = await providerTokens(t, 'idp', account.id, idp.caFile);
    const me = await getMe(t, second.accessToken).expect(200);
    expect(me.body.id).toBe(userId);
    expect(decodeJwt(second.accessToken).payload.amr).toEqual(['fed']);
    expect(await auditOf(t, 'auth.oidc.login', userId)).toEqual([
      expect.objectContaining({ provider: 'idp', account: 'created' }),
      expect.objectContaining({ provider: 'idp', account: 'linked' }),
    ]);
    const [{ count }] = await sql<{ count: string }>(
      t,
      'SELECT count(*) FROM users WHERE email = $1',
      [account.email],
    );
    expect(count).toBe('1');
  });

  it('keeps the local address when the provider later reports another one', async () => {
    const account = newAccount('moves');
    await idp.setAccount(account);
    const first = await providerTokens(t, 'idp', account.id, idp.caFile);
    const userId = (await getMe(t, first.accessToken).expect(200)).body.id as string;
    await idp.setAccount({ ...account, email: `moved-${account.email}` });
    const again = await providerTokens(t, 'idp', account.id, idp.caFile);
    const me = await getMe(t, again.accessToken).expect(200);
    expect(me.body).toEqual(expect.objectContaining({ id: userId, email: account.email }));
    expect(await userIdByEmail(t, `moved-${account.email}`)).toBeUndefined();
  });
});
