import { createHash, randomBytes } from 'node:crypto';
import type { TestApp } from '../support/test-app';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import { deliverCallback, startProviderSignIn } from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { createTestCa } from '../support/identity-provider/test-ca';
import { trustingFetch } from '../support/identity-provider/trusting-fetch';
import {
  appAddress,
  appWithProviders,
  auditOf,
  CLIENT_SECRET,
  errorLocation,
  identityRows,
  newAccount,
  oidcEntry,
  providerFor,
  userIdByEmail,
} from './provider-suite';

/** Client B of provider 1: a real client of the same provider, whose ID tokens are not ours. */
const OTHER_CLIENT = { id: 'someone-else', redirect: 'https://rp-b.example.test/cb' };

/**
 * Attacks on the callback, against two real providers (`idp` and `other`): every one lands on
 * `#error=<reason>` with no result cookie and no account or identity written.
 */
describe('provider sign-in: the callback refuses forged, replayed and mixed-up answers', () => {
  let t: TestApp;
  let idp: IdentityProvider;
  let other: IdentityProvider;
  beforeAll(async () => {
    const ca = await createTestCa();
    const address = await appAddress();
    // Provider 1 also knows client B, whose ID tokens are for another audience.
    idp = await providerFor(ca, address, 'idp', [], {
      clients: [
        {
          client_id: OTHER_CLIENT.id,
          client_secret: CLIENT_SECRET,
          redirect_uris: [OTHER_CLIENT.redirect],
        },
      ],
    });
    other = await providerFor(ca, address, 'other', []);
    t = await appWithProviders(address, ca, [oidcEntry('idp', idp), oidcEntry('other', other)]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await other?.stop();
  });

  /** A fresh provider account at `provider`, and the flow up to the provider's redirect back. */
  async function driven(provider: IdentityProvider, providerId = 'idp') {
    const account = newAccount('attack');
    await provider.setAccount(account);
    const flow = await startProviderSignIn(t, providerId);
    return { account, flow };
  }

  async function expectRefused(
    answer: { location: URL; resultCookie?: string },
    reason: string,
    account: { id: string; email: string },
  ): Promise<void> {
    expect(answer.location.href).toBe(errorLocation(reason));
    expect(answer.resultCookie).toBeUndefined();
    expect(await identityRows(t, account.id)).toEqual([]);
    expect(await userIdByEmail(t, account.email)).toBeUndefined();
  }

  it('refuses an altered state (invalid_state)', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    await expectRefused(
      await deliverCallback(t, callback, flow.flowCookie),
      'invalid_state',
      account,
    );
  });

  it('refuses a callback without the flow cookie (invalid_state)', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    await expectRefused(await deliverCallback(t, callback, undefined), 'invalid_state', account);
  });

  it("refuses provider A's flow cookie at provider B's callback (invalid_state)", async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    callback.pathname = '/api/auth/oidc/other/callback';
    await expectRefused(
      await deliverCallback(t, callback, flow.flowCookie),
      'invalid_state',
      account,
    );
  });

  it('refuses an ID token whose nonce is not the flow’s (invalid_response)', async () => {
    const { account, flow } = await driven(idp);
    flow.providerUrl.searchParams.set('nonce', randomBytes(16).toString('base64url'));
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    await expectRefused(
      await deliverCallback(t, callback, flow.flowCookie),
      'invalid_response',
      account,
    );
  });

  it('spends the state: the same callback twice is invalid_state, the code under a fresh flow invalid_response', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    const first = await deliverCallback(t, callback, flow.flowCookie);
    expect(first.fragment.get('code')).toBeTruthy();
    const userId = await userIdByEmail(t, account.email);

    const replayed = await deliverCallback(t, callback, flow.flowCookie);
    expect(replayed.location.href).toBe(errorLocation('invalid_state'));
    expect(replayed.resultCookie).toBeUndefined();

    // The attacker's own fresh flow, with the stolen code: the provider refuses the code.
    const fresh = await startProviderSignIn(t, 'idp');
    const stolen = new URL(callback);
    stolen.searchParams.set('state', fresh.providerUrl.searchParams.get('state') as string);
    const again = await deliverCallback(t, stolen, fresh.flowCookie);
    expect(again.location.href).toBe(errorLocation('invalid_response'));
    expect(again.resultCookie).toBeUndefined();
    expect(await identityRows(t, account.id)).toEqual([
      expect.objectContaining({ user_id: userId }),
    ]);
  });

  it('refuses a genuine ID token minted for another client (invalid_response)', async () => {
    const { account, flow } = await driven(idp);
    const nonce = flow.providerUrl.searchParams.get('nonce') as string;
    // Same provider, same account, same nonce: only the audience differs.
    await idp.replaceNextIdToken(await idTokenForOtherClient(account.id, nonce));
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    await expectRefused(answer, 'invalid_response', account);
  });

  it("refuses provider 2's code and iss at provider 1's callback: mix-up (invalid_response)", async () => {
    const { account, flow } = await driven(idp);
    await other.setAccount(account);
    const otherFlow = await startProviderSignIn(t, 'other');
    const fromOther = await signInAtProvider(
      otherFlow.providerUrl.href,
      { account: account.id },
      other.caFile,
    );
    expect(fromOther.searchParams.get('iss')).toBe(other.issuer);
    const mixed = new URL(`${t.url}/api/auth/oidc/idp/callback`);
    mixed.searchParams.set('code', fromOther.searchParams.get('code') as string);
    mixed.searchParams.set('state', flow.providerUrl.searchParams.get('state') as string);
    mixed.searchParams.set('iss', other.issuer);
    await expectRefused(
      await deliverCallback(t, mixed, flow.flowCookie),
      'invalid_response',
      account,
    );
  });

  it('refuses an expired flow cookie (invalid_state), by the app’s own clock', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: account.id },
      idp.caFile,
    );
    // Only Date is faked: timers, I/O and the provider process run as ever.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'requestIdleCallback',
        'cancelIdleCallback',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      jest.setSystemTime(Date.now() + 10 * 60_000 + 1_000);
      const answer = await deliverCallback(t, callback, flow.flowCookie);
      await expectRefused(answer, 'invalid_state', account);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lands on access_denied when the user cancels at the provider', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(flow.providerUrl.href, { deny: true }, idp.caFile);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expectRefused(
      await deliverCallback(t, callback, flow.flowCookie),
      'access_denied',
      account,
    );
  });

  it('audits every refusal with its reason', async () => {
    const { account, flow } = await driven(idp);
    const callback = await signInAtProvider(flow.providerUrl.href, { deny: true }, idp.caFile);
    const before = (await auditOf(t, 'auth.oidc.failure', null)).length;
    await expectRefused(
      await deliverCallback(t, callback, flow.flowCookie),
      'access_denied',
      account,
    );
    const after = await auditOf(t, 'auth.oidc.failure', null);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toEqual(
      expect.objectContaining({ provider: 'idp', reason: 'access_denied' }),
    );
  });

  /** A real ID token from provider 1 for client B, about `accountId`, carrying `nonce`. */
  async function idTokenForOtherClient(accountId: string, nonce: string): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${idp.issuer}/auth`);
    for (const [key, value] of Object.entries({
      client_id: OTHER_CLIENT.id,
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: OTHER_CLIENT.redirect,
      state: randomBytes(8).toString('hex'),
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(key, value);
    const back = await signInAtProvider(url.href, { account: accountId }, idp.caFile);
    const res = await trustingFetch(idp.caFile)(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${OTHER_CLIENT.id}:${CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') as string,
        redirect_uri: OTHER_CLIENT.redirect,
        code_verifier: verifier,
      }).toString(),
    });
    const body = (await res.json()) as { id_token?: string };
    if (!body.id_token) throw new Error(`no ID token for client B: ${JSON.stringify(body)}`);
    return body.id_token;
  }
});
