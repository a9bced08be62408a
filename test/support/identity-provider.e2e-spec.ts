import * as client from 'openid-client';
import { startGithubStandin, type GithubStandin } from './identity-provider/github-standin';
import { startIdentityProvider, type IdentityProvider } from './identity-provider/oidc-provider';
import { signInAtProvider } from './identity-provider/sign-in-driver';
import { createTestCa, type TestCa } from './identity-provider/test-ca';
import { trustingFetch } from './identity-provider/trusting-fetch';

// The harness checked with openid-client as the relying party, no app involved: if these pass,
// a failing app spec points at the app, not at the stand-ins.
const REDIRECT_URI = 'https://127.0.0.1:1/api/auth/oidc/test/callback';
const CLIENT_A = {
  client_id: 'client-a',
  client_secret: 'secret-a-0123456789',
  redirect_uris: [REDIRECT_URI],
};
const CLIENT_B = {
  client_id: 'client-b',
  client_secret: 'secret-b-0123456789',
  redirect_uris: [REDIRECT_URI],
  token_endpoint_auth_method: 'client_secret_post' as const,
};
const ALICE = { id: 'alice-sub', email: 'alice@idp.test', email_verified: true };

let ca: TestCa;
let provider: IdentityProvider;
let github: GithubStandin;

beforeAll(async () => {
  ca = await createTestCa();
  [provider, github] = await Promise.all([
    startIdentityProvider({ ca, clients: [CLIENT_A, CLIENT_B], accounts: [ALICE] }),
    startGithubStandin({
      ca,
      app: { clientId: 'gh-app', clientSecret: 'gh-secret' },
      users: [
        {
          id: 4242,
          login: 'octo',
          name: 'Octo Cat',
          emails: [
            { email: 'octo@users.noreply.github.test', primary: false, verified: true },
            { email: 'octo@example.test', primary: true, verified: true },
          ],
        },
      ],
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([provider?.stop(), github?.stop()]);
});

function discover(
  issuer: string,
  clientId: string,
  secret: string,
  auth = client.ClientSecretBasic(secret),
) {
  return client.discovery(new URL(issuer), clientId, secret, auth, {
    [client.customFetch]: trustingFetch(ca.caFile) as unknown as client.CustomFetch,
  });
}

/** One full code flow with PKCE, state and nonce; returns the validated token response. */
async function codeFlow(
  config: client.Configuration,
  login: { account: string } | { deny: true },
  onCallback?: (callback: URL) => void,
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizeUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await signInAtProvider(authorizeUrl.href, login, ca.caFile);
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  onCallback?.(callback);
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
}

it('signs in with the code flow and PKCE: the ID token names the account and its verified address', async () => {
  const config = await discover(provider.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
  expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);
  const tokens = await codeFlow(config, { account: ALICE.id });
  expect(tokens.claims()).toMatchObject({
    iss: provider.issuer,
    aud: CLIENT_A.client_id,
    sub: ALICE.id,
    email: ALICE.email,
    email_verified: true,
  });
});

it('a cancelled sign-in comes back as access_denied', async () => {
  const config = await discover(provider.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
  const callback = await signInAtProvider(
    client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'the-state',
    }).href,
    { deny: true },
    ca.caFile,
  );
  expect(callback.searchParams.get('error')).toBe('access_denied');
  expect(callback.searchParams.get('state')).toBe('the-state');
  expect(callback.searchParams.get('iss')).toBe(provider.issuer);
});

it('setAccount changes what the next ID token says', async () => {
  const bob = { id: `bob-${Date.now()}`, email: 'bob@idp.test', email_verified: false };
  await provider.setAccount(bob);
  const config = await discover(provider.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
  expect((await codeFlow(config, { account: bob.id })).claims()).toMatchObject({
    email_verified: false,
  });
  await provider.setAccount({ ...bob, email: 'bob@new.test', email_verified: true });
  expect((await codeFlow(config, { account: bob.id })).claims()).toMatchObject({
    email: 'bob@new.test',
    email_verified: true,
  });
});

it('replaceNextIdToken: an ID token minted for another client is refused by the relying party', async () => {
  // Its own provider: the swapped token must not leak into a concurrently running test.
  const own = await startIdentityProvider({ ca, clients: [CLIENT_A, CLIENT_B], accounts: [ALICE] });
  try {
    const configB = await discover(
      own.issuer,
      CLIENT_B.client_id,
      CLIENT_B.client_secret,
      client.ClientSecretPost(CLIENT_B.client_secret),
    );
    const forB = (await codeFlow(configB, { account: ALICE.id })).id_token!;
    const configA = await discover(own.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
    await own.replaceNextIdToken(forB);
    await expect(codeFlow(configA, { account: ALICE.id })).rejects.toMatchObject({
      cause: {
        code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
        message: expect.stringContaining('"aud"'),
      },
    });
    // Only the next one: the flow after it is genuine again.
    expect((await codeFlow(configA, { account: ALICE.id })).claims()?.aud).toBe(CLIENT_A.client_id);
  } finally {
    await own.stop();
  }
});

it('advertiseIssParameter false: discovery does not advertise it and the response has no iss', async () => {
  const own = await startIdentityProvider({
    ca,
    clients: [CLIENT_A],
    accounts: [ALICE],
    advertiseIssParameter: false,
    pathPrefix: '/tenant-a',
  });
  try {
    expect(own.issuer).toMatch(/\/tenant-a$/);
    const config = await discover(own.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
    expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBeUndefined();
    const tokens = await codeFlow(config, { account: ALICE.id }, (callback) =>
      expect(callback.searchParams.has('iss')).toBe(false),
    );
    expect(tokens.claims()?.iss).toBe(own.issuer);
  } finally {
    await own.stop();
  }
});

it('stop() ends the provider: discovery then fails', async () => {
  const own = await startIdentityProvider({ ca, clients: [CLIENT_A], accounts: [ALICE] });
  await discover(own.issuer, CLIENT_A.client_id, CLIENT_A.client_secret);
  await own.stop();
  await expect(discover(own.issuer, CLIENT_A.client_id, CLIENT_A.client_secret)).rejects.toThrow();
});

it('slowMs delays every answer past a relying party timeout', async () => {
  const own = await startIdentityProvider({ ca, clients: [CLIENT_A], slowMs: 5_000 });
  try {
    const started = Date.now();
    await expect(
      client.discovery(new URL(own.issuer), CLIENT_A.client_id, CLIENT_A.client_secret, undefined, {
        [client.customFetch]: trustingFetch(ca.caFile) as unknown as client.CustomFetch,
        timeout: 1,
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(4_000);
  } finally {
    await own.stop();
  }
});

it('GitHub stand-in: OAuth 2 code flow with PKCE, then the user and its verified primary address', async () => {
  const config = new client.Configuration(
    {
      issuer: github.webUrl,
      authorization_endpoint: `${github.webUrl}/login/oauth/authorize`,
      token_endpoint: `${github.webUrl}/login/oauth/access_token`,
    },
    'gh-app',
    'gh-secret',
    client.ClientSecretPost('gh-secret'),
  );
  config[client.customFetch] = trustingFetch(ca.caFile);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizeUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'read:user user:email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const callback = await signInAtProvider(authorizeUrl.href, { account: 'octo' }, ca.caFile);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  expect(tokens.token_type).toBe('bearer');
  const user = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    new URL(`${github.apiUrl}/user`),
    'GET',
  );
  expect(await user.json()).toMatchObject({ id: 4242, login: 'octo' });
  const emails = await client.fetchProtectedResource(
    config,
    tokens.access_token,
    new URL(`${github.apiUrl}/user/emails`),
    'GET',
  );
  expect(await emails.json()).toContainEqual({
    email: 'octo@example.test',
    primary: true,
    verified: true,
    visibility: 'public',
  });
  // The code is single use, refused the GitHub way: HTTP 200 with an error field.
  const replay = await trustingFetch(ca.caFile)(`${github.webUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: new URLSearchParams({
      client_id: 'gh-app',
      client_secret: 'gh-secret',
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    }),
  });
  expect(replay.status).toBe(200);
  expect(await replay.json()).toMatchObject({ error: 'bad_verification_code' });
  const anonymous = await trustingFetch(ca.caFile)(`${github.apiUrl}/user`, {
    headers: { authorization: 'token nope' },
  });
  expect(anonymous.status).toBe(401);
});
