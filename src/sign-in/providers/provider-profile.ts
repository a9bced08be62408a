import * as client from 'openid-client';
import type {
  GithubProviderSettings,
  IdentityProviderSettings,
} from '../../config/identity-provider-settings';

/** Who the provider says signed in: the identity's key, and an address to decide linking by. */
export interface ProviderProfile {
  issuer: string;
  subject: string;
  email: string | null;
  /** Only a boolean `true` from the provider (GitHub: a primary address GitHub verified). */
  emailVerified: boolean;
}

/** What the flow cookie keeps between the redirect to the provider and its callback. */
export interface FlowSecrets {
  state: string;
  nonce?: string;
  codeVerifier: string;
}

const GITHUB_SCOPES = 'read:user user:email';

/** The provider's authorization URL: code flow, PKCE S256, `state`, and `nonce` for OpenID. */
export async function authorizationUrl(
  config: client.Configuration,
  provider: IdentityProviderSettings,
  redirectUri: string,
): Promise<{ url: URL; secrets: FlowSecrets }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const secrets: FlowSecrets = {
    state: client.randomState(),
    codeVerifier,
    ...(provider.type === 'oidc' && { nonce: client.randomNonce() }),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: provider.type === 'oidc' ? provider.scopes : GITHUB_SCOPES,
    state: secrets.state,
    ...(secrets.nonce && { nonce: secrets.nonce }),
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url, secrets };
}

/**
 * The callback's answer checked and redeemed: `state`, `iss` (RFC 9207: required when the provider
 * advertises it, and equal to its issuer), the code exchanged with the PKCE verifier, and for
 * OpenID the ID token (signature by the provider's JWKS, `iss`, `aud`, `azp`, `exp`, `nonce`), all
 * by openid-client. Throws openid-client's errors (provider-failure.ts names them).
 */
export async function redeem(
  config: client.Configuration,
  provider: IdentityProviderSettings,
  callback: URL,
  secrets: FlowSecrets,
): Promise<ProviderProfile> {
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: secrets.codeVerifier,
    expectedState: secrets.state,
    ...(provider.type === 'oidc'
      ? { expectedNonce: secrets.nonce, idTokenExpected: true }
      : { idTokenExpected: false }),
  });
  return provider.type === 'oidc'
    ? openIdProfile(config, tokens)
    : githubProfile(config, provider, tokens.access_token);
}

async function openIdProfile(
  config: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): Promise<ProviderProfile> {
  const claims = tokens.claims();
  if (!claims) throw new client.ClientError('the token response carries no ID token');
  let { email, email_verified: verified } = claims;
  // Some providers put the address only in userinfo; its `sub` is checked against the ID token's.
  if (typeof email !== 'string' && config.serverMetadata().userinfo_endpoint) {
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    ({ email, email_verified: verified } = info);
  }
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email: typeof email === 'string' ? email.trim().toLowerCase() : null,
    emailVerified: verified === true,
  };
}

interface GithubUser {
  id: number;
}
interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub's user (its numeric id is the subject) and its primary address, when GitHub verified it. */
async function githubProfile(
  config: client.Configuration,
  provider: GithubProviderSettings,
  accessToken: string,
): Promise<ProviderProfile> {
  const user = await githubJson<GithubUser>(config, provider, accessToken, '/user');
  const emails = await githubJson<GithubEmail[]>(config, provider, accessToken, '/user/emails');
  if (!Number.isSafeInteger(user?.id) || !Array.isArray(emails))
    throw new client.ClientError('GitHub answered an unexpected user or emails body');
  const primary = emails.find((e) => e?.primary === true && e.verified === true);
  return {
    issuer: provider.webUrl,
    subject: String(user.id),
    email: typeof primary?.email === 'string' ? primary.email.trim().toLowerCase() : null,
    emailVerified: primary !== undefined,
  };
}

async function githubJson<T>(
  config: client.Configuration,
  provider: GithubProviderSettings,
  accessToken: string,
  path: string,
): Promise<T> {
  const response = await client.fetchProtectedResource(
    config,
    accessToken,
    new URL(`${provider.apiUrl}${path}`),
    'GET',
    undefined,
    new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }),
  );
  if (!response.ok)
    throw new client.ClientError(`GitHub answered ${response.status} on ${path}`, {
      cause: { status: response.status },
    });
  return (await response.json()) as T;
}
