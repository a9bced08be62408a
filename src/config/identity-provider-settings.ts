import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Any OpenID Connect provider, found by discovery from its issuer. */
export interface OidcProviderSettings {
  type: 'oidc';
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  clientAuth: 'client_secret_basic' | 'client_secret_post';
  allowSignUp: boolean;
  linkVerifiedEmail: boolean;
  /** Each call to the provider gives up after this long (default 10). */
  timeoutSeconds: number;
}

/** GitHub (OAuth 2 and its REST API: GitHub signs no ID tokens); another host for GitHub Enterprise Server. */
export interface GithubProviderSettings {
  type: 'github';
  id: string;
  name: string;
  clientId: string;
  clientSecret: string;
  /** Where users sign in and the identity's issuer: `https://github.com`, or a GHES host. */
  webUrl: string;
  /** The REST API: `https://api.github.com`, or `<GHES host>/api/v3`. */
  apiUrl: string;
  allowSignUp: boolean;
  linkVerifiedEmail: boolean;
  timeoutSeconds: number;
}

export type IdentityProviderSettings = OidcProviderSettings | GithubProviderSettings;

// An id names the provider in routes (`/api/auth/oidc/<id>/…`) and the cookie binding.
const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const CLIENT_AUTH = ['client_secret_basic', 'client_secret_post'];

/**
 * OIDC_PROVIDERS as settings, or the reasons it is refused. Every provider must be fully described
 * at start-up: a typo must stop the start, not a sign-in in production.
 */
export function parseIdentityProviders(json: string | undefined): {
  providers: IdentityProviderSettings[];
  problems: string[];
} {
  if (!json?.trim()) return { providers: [], problems: [] };
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return { providers: [], problems: ['is not valid JSON'] };
  }
  if (!Array.isArray(list)) return { providers: [], problems: ['must be a JSON array'] };
  const problems: string[] = [];
  const providers: IdentityProviderSettings[] = [];
  list.forEach((entry: unknown, index) => {
    const found = providerOf(entry);
    if (typeof found === 'string') problems.push(`entry ${index}: ${found}`);
    else if (providers.some((p) => p.id === found.id))
      problems.push(`entry ${index}: id "${found.id}" is used twice`);
    else providers.push(found);
  });
  return { providers, problems };
}

function providerOf(entry: unknown): IdentityProviderSettings | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return 'must be an object';
  const e = entry as Record<string, unknown>;
  if (typeof e.id !== 'string' || !ID.test(e.id))
    return 'id must be 1-32 of a-z, 0-9, "_" and "-", starting with a letter or digit';
  for (const key of ['clientId', 'clientSecret'] as const)
    if (typeof e[key] !== 'string' || e[key] === '') return `${key} is required`;
  for (const key of ['allowSignUp', 'linkVerifiedEmail'] as const)
    if (e[key] !== undefined && typeof e[key] !== 'boolean') return `${key} must be true or false`;
  const timeout = e.timeoutSeconds ?? 10;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 60)
    return 'timeoutSeconds must be a whole number from 1 to 60';
  const common = {
    id: e.id,
    clientId: e.clientId as string,
    clientSecret: e.clientSecret as string,
    allowSignUp: (e.allowSignUp as boolean | undefined) ?? true,
    linkVerifiedEmail: (e.linkVerifiedEmail as boolean | undefined) ?? false,
    timeoutSeconds: timeout,
  };
  if (e.type === 'github' || (e.type === undefined && e.id === 'github' && !e.issuer))
    return githubOf(e, common);
  if (e.type !== undefined && e.type !== 'oidc') return 'type must be "oidc" or "github"';
  const issuer = httpsUrl(e.issuer);
  if (!issuer) return 'issuer must be an https:// URL';
  if (typeof e.name !== 'string' || e.name.trim() === '') return 'name is required';
  if (e.scopes !== undefined && (typeof e.scopes !== 'string' || !/\bopenid\b/.test(e.scopes)))
    return 'scopes must be a space-separated string that includes "openid"';
  if (e.clientAuth !== undefined && !CLIENT_AUTH.includes(e.clientAuth as string))
    return `clientAuth must be one of ${CLIENT_AUTH.join(', ')}`;
  return {
    type: 'oidc',
    ...common,
    name: e.name.trim(),
    issuer,
    scopes: e.scopes ?? 'openid email profile',
    clientAuth: (e.clientAuth as OidcProviderSettings['clientAuth'] | undefined) ?? CLIENT_AUTH[0],
  } as OidcProviderSettings;
}

function githubOf(
  e: Record<string, unknown>,
  common: Omit<GithubProviderSettings, 'type' | 'name' | 'webUrl' | 'apiUrl'>,
): GithubProviderSettings | string {
  const webUrl = e.webUrl === undefined ? 'https://github.com' : httpsUrl(e.webUrl);
  const apiUrl = e.apiUrl === undefined ? 'https://api.github.com' : httpsUrl(e.apiUrl);
  if (!webUrl || !apiUrl) return 'webUrl and apiUrl must be https:// URLs';
  const name = typeof e.name === 'string' && e.name.trim() ? e.name.trim() : 'GitHub';
  return { type: 'github', ...common, name, webUrl, apiUrl };
}

/**
 * The URL as written, when it is https://: an issuer is compared character for character, and some
 * end in `/` (Auth0) while others do not (Google).
 */
function httpsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' || url.search || url.hash || url.username) return undefined;
  } catch {
    return undefined;
  }
  return value;
}

/** OIDC_PROVIDERS: refused at start-up with the first reason the list is wrong. */
export function IsIdentityProviderList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdentityProviderList',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseIdentityProviders(value).problems.length === 0,
        defaultMessage: (args) =>
          `is refused: ${parseIdentityProviders(String(args?.value)).problems.join('; ')}`,
      },
    },
    options,
  );
}
