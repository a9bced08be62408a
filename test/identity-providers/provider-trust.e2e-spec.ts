import { createServer, type Server } from 'node:https';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { bearer, getMe, refreshWith, sql } from '../support/auth-helpers';
import type { IdentityProvider } from '../support/identity-provider/oidc-provider';
import {
  deliverCallback,
  exchangeCode,
  signInWithProvider,
  startProviderSignIn,
} from '../support/identity-provider/provider-flow';
import { signInAtProvider } from '../support/identity-provider/sign-in-driver';
import { trustingFetch } from '../support/identity-provider/trusting-fetch';
import { createTestCa, type TestCa } from '../support/identity-provider/test-ca';
import type { TestApp } from '../support/test-app';
import {
  appAddress,
  appWithProviders,
  errorLocation,
  oidcEntry,
  providerFor,
} from './provider-suite';

/**
 * What the service believes of a provider, and what it does not: the discovery document's issuer,
 * the ID token's signature, one provider's subject never standing for another's, a provider's own
 * session playing no part in ours, and no session without the browser's own exchange.
 */
describe('provider trust: issuer, signatures, subjects, sessions', () => {
  let ca: TestCa;
  let east: IdentityProvider;
  let west: IdentityProvider;
  /** Only the test that stops a provider uses it: the others keep theirs in any order. */
  let north: IdentityProvider;
  let impostor: Server;
  let t: TestApp;

  beforeAll(async () => {
    ca = await createTestCa();
    const address = await appAddress();
    // Three providers whose users have the same subject: one person at each.
    const person = (where: string) => [
      { id: 'same-sub', email: `${where}-person@trust.test`, email_verified: true },
    ];
    east = await providerFor(ca, address, 'east', person('east'), { clientId: 'trust' });
    west = await providerFor(ca, address, 'west', person('west'), { clientId: 'trust' });
    north = await providerFor(ca, address, 'north', person('north'), { clientId: 'trust' });
    // A server that answers discovery with east's metadata: it claims to be another issuer.
    const metadata = await (
      await trustingFetch(ca.caFile)(`${east.issuer}/.well-known/openid-configuration`)
    ).text();
    impostor = createServer({ key: ca.tls.serverKey, cert: ca.tls.serverCert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(metadata);
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    const impostorIssuer = `https://127.0.0.1:${(impostor.address() as { port: number }).port}`;
    const entry = (id: string, issuer: string) => ({
      ...oidcEntry(id, east),
      issuer,
      clientId: 'trust',
    });
    t = await appWithProviders(address, ca, [
      entry('east', east.issuer),
      entry('west', west.issuer),
      entry('north', north.issuer),
      entry('impostor', impostorIssuer),
    ]);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await east?.stop();
    await west?.stop();
    await north?.stop();
    await new Promise((resolve) => impostor?.close(resolve));
  });

  it('refuses a discovery document that names another issuer than the configured one', async () => {
    const res = await request(t.url).get('/api/auth/oidc/impostor/authorize').expect(302);
    expect(res.headers.location).toBe(errorLocation('invalid_response'));
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses an ID token signed by a key the provider does not publish, whatever it claims', async () => {
    const flow = await startProviderSignIn(t, 'east');
    const nonce = flow.providerUrl.searchParams.get('nonce') ?? '';
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ nonce, email: 'victim@trust.test', email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'not-east' })
      .setIssuer(east.issuer)
      .setAudience('trust')
      .setSubject('victim')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await east.replaceNextIdToken(forged);
    const callback = await signInAtProvider(
      flow.providerUrl.href,
      { account: 'same-sub' },
      ca.caFile,
    );
    const answer = await deliverCallback(t, callback, flow.flowCookie);
    expect(answer.fragment.get('error')).toBe('invalid_response');
    expect(await sql(t, "SELECT 1 FROM users WHERE email = 'victim@trust.test'")).toEqual([]);
  });

  it('keys identities by issuer and subject: the same sub at two providers is two people', async () => {
    const atEast = await signInWithProvider(t, 'east', { account: 'same-sub' }, ca.caFile);
    const atWest = await signInWithProvider(t, 'west', { account: 'same-sub' }, ca.caFile);
    const eastTokens = await exchangeCode(
      t,
      atEast.fragment.get('code') ?? '',
      atEast.resultCookie,
    ).expect(200);
    const westTokens = await exchangeCode(
      t,
      atWest.fragment.get('code') ?? '',
      atWest.resultCookie,
    ).expect(200);
    const eastMe = await getMe(t, eastTokens.body.accessToken).expect(200);
    const westMe = await getMe(t, westTokens.body.accessToken).expect(200);
    expect(eastMe.body.email).toBe('east-person@trust.test');
    expect(westMe.body.email).toBe('west-person@trust.test');
    expect(eastMe.body.id).not.toBe(westMe.body.id);
    // Other tests may sign the same subject in at north: only east's and west's rows are asked for.
    const rows = await sql<{ issuer: string }>(
      t,
      "SELECT issuer FROM user_identities WHERE subject = 'same-sub' AND issuer = ANY($1)",
      [[east.issuer, west.issuer]],
    );
    expect(rows.map((r) => r.issuer).sort()).toEqual([east.issuer, west.issuer].sort());
  });

  it('creates no session until the browser exchanges its code with its own cookie', async () => {
    const answer = await signInWithProvider(t, 'east', { account: 'same-sub' }, ca.caFile);
    const code = answer.fragment.get('code') ?? '';
    const [{ id }] = await sql<{ id: string }>(
      t,
      "SELECT id FROM users WHERE email = 'east-person@trust.test'",
    );
    const live = () =>
      sql(t, 'SELECT 1 FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [id]);
    const before = (await live()).length;
    expect((await exchangeCode(t, code)).status).toBe(400); // no result cookie: nothing opens
    expect(await live()).toHaveLength(before);
    // With its own cookie the same code opens exactly one session.
    await exchangeCode(t, code, answer.resultCookie).expect(200);
    expect(await live()).toHaveLength(before + 1);
  });

  it("keeps the service's session to its own lifetimes: the provider going away ends nothing", async () => {
    const answer = await signInWithProvider(t, 'north', { account: 'same-sub' }, ca.caFile);
    const tokens = await exchangeCode(
      t,
      answer.fragment.get('code') ?? '',
      answer.resultCookie,
    ).expect(200);
    await north.stop();
    const refreshed = await refreshWith(t, tokens.body.refreshToken).expect(200);
    await request(t.url)
      .get('/api/users/me/identities')
      .set(...bearer(refreshed.body.accessToken))
      .expect(200);
  });
});
