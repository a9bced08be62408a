import request from 'supertest';
import { RELAXED_LIMITS, sql } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import {
  exchangeCode,
  signInWithProvider,
  startProviderSignIn,
} from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa } from '../support/identity-provider/test-ca';
import {
  privateTestDatabase,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';
import { appAddress, oidcEntry, providerEnv, providerFor } from './provider-suite';

/**
 * The database goes away between the redirect to the provider and its callback: the callback is
 * the service's ordinary 503 (never a redirect claiming the provider failed, never a 500), nothing
 * is written, and once the database is back a new sign-in works.
 */
describe('a provider callback while the database is away', () => {
  let pg: PrivatePostgres;
  let idp: IdentityProvider;
  let t: TestApp;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const ca = await createTestCa();
    const address = await appAddress();
    idp = await providerFor(ca, address, 'idp', [
      { id: 'dora', email: 'dora@idp.test', email_verified: true },
    ]);
    t = await startTestApp(
      {
        ...RELAXED_LIMITS,
        DB_STATEMENT_TIMEOUT_MS: '2000',
        ...providerEnv(address, ca, [oidcEntry('idp', idp)]),
      },
      privateTestDatabase(pg),
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await pg?.close();
  });

  it('answers 503 with Retry-After, writes nothing, and signs in once the database is back', async () => {
    const flow = await startProviderSignIn(t, 'idp');
    const callback = await signInAtProvider(flow.providerUrl.href, { account: 'dora' }, idp.caFile);
    await pg.stop();
    try {
      const res = await request(t.url)
        .get(`${callback.pathname}${callback.search}`)
        .set('Cookie', `__Host-oidc_flow=${encodeURIComponent(flow.flowCookie)}`)
        .timeout(15_000);
      expectErrorBody(res, 503);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await pg.start();
    }
    let rows: unknown[] = [];
    for (let waited = 0; waited < 20_000; waited += 200) {
      try {
        rows = await sql(t, "SELECT 1 FROM users WHERE email = 'dora@idp.test'");
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(rows).toEqual([]);
    // A fresh flow works: the service recovered by itself.
    const answer = await signInWithProvider(t, 'idp', { account: 'dora' }, idp.caFile);
    expect(answer.fragment.get('error')).toBeNull();
    const tokens = await exchangeCode(t, answer.fragment.get('code') ?? '', answer.resultCookie);
    expect(tokens.status).toBe(200);
    expect(await sql(t, "SELECT 1 FROM users WHERE email = 'dora@idp.test'")).toHaveLength(1);
  }, 90_000);
});
