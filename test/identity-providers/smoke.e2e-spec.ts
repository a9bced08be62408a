import request from 'supertest';
import { bearer, getMe } from '../support/auth-helpers';
import { freePort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  startIdentityProvider,
  type IdentityProvider,
} from '../support/identity-provider/oidc-provider';
import { createTestCa } from '../support/identity-provider/test-ca';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';

describe('smoke: provider sign-in', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({
      ca,
      clients: [
        {
          client_id: 'app',
          client_secret: 'app-secret-app-secret-app-secret',
          redirect_uris: [`${api}/api/auth/oidc/idp/callback`],
        },
      ],
      accounts: [{ id: 'alice', email: 'alice@idp.test', email_verified: true }],
    });
    t = await startTestApp({
      PORT: String(port),
      PUBLIC_API_URL: api,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      OIDC_PROVIDERS: JSON.stringify([
        {
          id: 'idp',
          name: 'Test IdP',
          issuer: idp.issuer,
          clientId: 'app',
          clientSecret: 'app-secret-app-secret-app-secret',
        },
      ]),
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('signs up, exchanges the code, and the tokens work', async () => {
    const answer = await signInWithProvider(t, 'idp', { account: 'alice' }, idp.caFile);
    expect(answer.fragment.get('error')).toBeNull();
    const code = answer.fragment.get('code');
    expect(code).toBeTruthy();
    const res = await exchangeCode(t, code as string, answer.resultCookie).expect(200);
    const me = await getMe(t, res.body.accessToken).expect(200);
    expect(me.body.email).toBe('alice@idp.test');
    const ids = await request(t.url)
      .get('/api/users/me/identities')
      .set(...bearer(res.body.accessToken))
      .expect(200);
    expect(ids.body).toEqual([
      expect.objectContaining({ provider: 'idp', email: 'alice@idp.test' }),
    ]);
  });
});
