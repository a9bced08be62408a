import request from 'supertest';
import { sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { deliverCallback, startProviderSignIn } from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa, type TestCa } from '../support/identity-provider/test-ca';
import {
  appAddress,
  appWithProviders,
  auditOf,
  errorLocation,
  eventually,
  identityRows,
  newAccount,
  oidcEntry,
  providerFor,
  securityLog,
  userIdByEmail,
  type AppAddress,
} from './provider-suite';

/**
 * A provider that is down, goes down mid-flow, or is too slow: the browser lands on
 * `#error=provider_unavailable`, nothing is half-written, and the failure is logged once. Each
 * entry has its own provider process, so stopping one never disturbs another test.
 */
describe('provider sign-in: faults', () => {
  let t: TestApp;
  let ca: TestCa;
  let address: AppAddress;
  const providers: Record<string, IdentityProvider> = {};
  beforeAll(async () => {
    ca = await createTestCa();
    address = await appAddress();
    for (const id of ['idp', 'down', 'mid']) providers[id] = await providerFor(ca, address, id, []);
    providers.slow = await providerFor(ca, address, 'slow', [], { slowMs: 6_000 });
    t = await appWithProviders(address, ca, [
      oidcEntry('idp', providers.idp),
      oidcEntry('down', providers.down),
      oidcEntry('mid', providers.mid),
      oidcEntry('slow', providers.slow, { timeoutSeconds: 1 }),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    for (const provider of Object.values(providers)) await provider.stop();
  });

  it('sends the browser to provider_unavailable when the provider is down, and retries discovery later', async () => {
    const down = providers.down;
    await down.stop();
    const isAuthorize = (line: Record<string, unknown>) =>
      line.path === '/api/auth/oidc/down/authorize';
    const res = await request(t.url).get('/api/auth/oidc/down/authorize').expect(302);
    expect(res.headers.location).toBe(errorLocation('provider_unavailable'));
    expect(res.headers['set-cookie'] ?? []).toEqual([]);
    // Seen at once by the operator: one warn line with the reason, and the audit event.
    const lines = await eventually(
      () => securityLog(t).filter(isAuthorize),
      (found) => found.length > 0,
    );
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', failure: 'provider_unavailable', status: 302 }),
    ]);
    expect(await auditOf(t, 'auth.oidc.failure', null)).toContainEqual(
      expect.objectContaining({ provider: 'down', reason: 'provider_unavailable' }),
    );
    // Back at the same issuer (a new process, a new signing key): the next sign-in discovers it.
    providers.down = await providerFor(ca, address, 'down', [], { port: down.port });
    const flow = await startProviderSignIn(t, 'down');
    expect(flow.providerUrl.origin).toBe(new URL(providers.down.issuer).origin);
  });

  it('writes nothing when the provider stops between the authorization and the callback', async () => {
    const mid = providers.mid;
    const account = newAccount('mid');
    await mid.setAccount(account);
    const flow = await startProviderSignIn(t, 'mid');
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      mid.caFile,
    );
    await mid.stop();
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href).toBe(errorLocation('provider_unavailable'));
    expect(answer.resultCookie).toBeUndefined();
    expect(await identityRows(t, account.id)).toEqual([]);
    expect(await userIdByEmail(t, account.email)).toBeUndefined();
    expect((await auditOf(t, 'auth.oidc.failure', null)).at(-1)).toEqual(
      expect.objectContaining({ provider: 'mid', reason: 'provider_unavailable' }),
    );
  });

  it('gives up on a provider slower than timeoutSeconds (provider_unavailable)', async () => {
    const started = Date.now();
    const res = await request(t.url).get('/api/auth/oidc/slow/authorize').expect(302);
    expect(res.headers.location).toBe(errorLocation('provider_unavailable'));
    // Cut off by the 1 s timeout, not by the provider's eventual answer.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('writes one security-log line, with the reason, per failed callback, and audits it', async () => {
    const isCallback = (line: Record<string, unknown>) =>
      line.path === '/api/auth/oidc/idp/callback';
    const before = securityLog(t).filter(isCallback).length;
    const auditedBefore = (await auditOf(t, 'auth.oidc.failure', null)).length;
    const flow = await startProviderSignIn(t, 'idp');
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { deny: true },
      providers.idp.caFile,
    );
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.location.href).toBe(errorLocation('access_denied'));
    const lines = await eventually(
      () => securityLog(t).filter(isCallback),
      (found) => found.length > before,
    );
    // Give a duplicate a moment to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = securityLog(t).filter(isCallback);
    expect(after).toHaveLength(before + 1);
    expect(lines.at(-1)).toEqual(
      expect.objectContaining({ failure: 'access_denied', userId: 'anonymous' }),
    );
    const audited = await auditOf(t, 'auth.oidc.failure', null);
    expect(audited).toHaveLength(auditedBefore + 1);
    expect(audited.at(-1)).toEqual(
      expect.objectContaining({ provider: 'idp', reason: 'access_denied' }),
    );
    const [{ count }] = await sql<{ count: string }>(
      t,
      "SELECT count(*) FROM audit_events WHERE type = 'auth.oidc.login' AND created_at > now() - interval '5 seconds'",
    );
    expect(count).toBe('0');
  });
});
