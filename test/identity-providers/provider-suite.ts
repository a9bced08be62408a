import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, RELAXED_LIMITS, sql } from '../support/auth-helpers';
import { freePort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  startIdentityProvider,
  type IdentityProvider,
  type IdentityProviderOptions,
  type ProviderAccount,
} from '../support/identity-provider/oidc-provider';
import { createTestCa, type TestCa } from '../support/identity-provider/test-ca';
import { exchangeCode, signInWithProvider } from '../support/identity-provider/provider-flow';

export const CLIENT_SECRET = 'app-secret-app-secret-app-secret';
/** Where the browser lands: fixed, so every redirect location can be asserted whole. */
export const APP_URL = 'https://accounts.example.test';

/** The app's address, chosen before it starts: providers must know the callback first. */
export interface AppAddress {
  port: number;
  api: string;
}

export async function appAddress(): Promise<AppAddress> {
  const port = await freePort();
  return { port, api: `http://127.0.0.1:${port}` };
}

/** The callback of provider `id` at the app, as registered at the provider. */
export const callbackOf = (address: AppAddress, id: string): string =>
  `${address.api}/api/auth/oidc/${id}/callback`;

/** An oidc-provider that knows the app (client `clientId`) for the app's provider entries `ids`. */
export function providerFor(
  ca: TestCa,
  address: AppAddress,
  ids: string | string[],
  accounts: ProviderAccount[],
  extra: Partial<IdentityProviderOptions> & { clientId?: string } = {},
): Promise<IdentityProvider> {
  const { clientId = 'app', clients = [], ...rest } = extra;
  return startIdentityProvider({
    ca,
    accounts,
    clients: [
      {
        client_id: clientId,
        client_secret: CLIENT_SECRET,
        redirect_uris: ([] as string[]).concat(ids).map((id) => callbackOf(address, id)),
      },
      ...clients,
    ],
    ...rest,
  });
}

/** An oidc-provider whose client `app` has exactly these redirect URIs. */
export function startIdentityProviderFor(
  ca: TestCa,
  redirectUris: string[],
  accounts: ProviderAccount[] = [],
): Promise<IdentityProvider> {
  return startIdentityProvider({
    ca,
    accounts,
    clients: [{ client_id: 'app', client_secret: CLIENT_SECRET, redirect_uris: redirectUris }],
  });
}

/** The OIDC_PROVIDERS entry for `idp` under `id`. */
export function oidcEntry(
  id: string,
  idp: IdentityProvider,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    name: `Provider ${id}`,
    issuer: idp.issuer,
    clientId: 'app',
    clientSecret: CLIENT_SECRET,
    ...extra,
  };
}

/** The environment of an app on `address` that trusts `ca` and has these provider entries. */
export function providerEnv(
  address: AppAddress,
  ca: TestCa,
  entries: Array<Record<string, unknown>>,
): Record<string, string> {
  return {
    PORT: String(address.port),
    PUBLIC_API_URL: address.api,
    NODE_EXTRA_CA_CERTS: ca.caFile,
    OIDC_PROVIDERS: JSON.stringify(entries),
  };
}

/** The app on `address`, trusting `ca`, with these provider entries. */
export function appWithProviders(
  address: AppAddress,
  ca: TestCa,
  entries: Array<Record<string, unknown>>,
  overrides: Record<string, string> = {},
): Promise<TestApp> {
  return startTestApp({
    ...RELAXED_LIMITS,
    ...providerEnv(address, ca, entries),
    PUBLIC_APP_URL: APP_URL,
    ...overrides,
  });
}

/** One CA, one provider `idp`, and the app: the common case. */
export async function startOneProvider(
  accounts: ProviderAccount[],
  entry: Record<string, unknown> = {},
  overrides: Record<string, string> = {},
): Promise<{ t: TestApp; idp: IdentityProvider; ca: TestCa; address: AppAddress }> {
  const ca = await createTestCa();
  const address = await appAddress();
  const idp = await providerFor(ca, address, 'idp', accounts);
  const t = await appWithProviders(address, ca, [oidcEntry('idp', idp, entry)], overrides);
  return { t, idp, ca, address };
}

/** The fragment error a failed callback lands on. */
export const errorLocation = (reason: string): string => `${APP_URL}/signed-in#error=${reason}`;

/** A provider sign-in through to tokens (fails the test when anything else comes back). */
export async function providerTokens(
  t: TestApp,
  providerId: string,
  account: string,
  caFile: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const answer = await signInWithProvider(t, providerId, { account }, caFile);
  const code = answer.fragment.get('code');
  if (!code) throw new Error(`no code: ${answer.location.href}`);
  const res = await exchangeCode(t, code, answer.resultCookie).expect(200);
  if (!res.body.accessToken) throw new Error(`no tokens: ${JSON.stringify(res.body)}`);
  return res.body as { accessToken: string; refreshToken: string };
}

/** A unique provider account (so tests sharing a provider never share a subject or an address). */
export function newAccount(
  tag: string,
  claims: Partial<ProviderAccount> = {},
): ProviderAccount & { email: string } {
  const id = `${tag}-${Math.random().toString(36).slice(2, 10)}`;
  return { id, email: `${id}@idp.test`, email_verified: true, ...claims };
}

export async function userIdByEmail(t: TestApp, email: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email = $1', [email]);
  return row?.id;
}

export async function identityRows(
  t: TestApp,
  subject: string,
): Promise<Array<{ user_id: string; issuer: string; provider: string }>> {
  return sql(t, 'SELECT user_id, issuer, provider FROM user_identities WHERE subject = $1', [
    subject,
  ]);
}

/** Audit metadata of `type` events, newest last. */
export async function auditOf(
  t: TestApp,
  type: string,
  userId?: string | null,
): Promise<Array<Record<string, unknown>>> {
  const rows = await sql<{ metadata: Record<string, unknown> }>(
    t,
    userId === undefined
      ? 'SELECT metadata FROM audit_events WHERE type = $1 ORDER BY seq'
      : 'SELECT metadata FROM audit_events WHERE type = $1 AND user_id IS NOT DISTINCT FROM $2 ORDER BY seq',
    userId === undefined ? [type] : [type, userId],
  );
  return rows.map((row) => row.metadata);
}

/** The JSON lines of the app's security log. */
export function securityLog(t: TestApp): Array<Record<string, unknown>> {
  const file = join(t.env.LOG_DIR, 'security.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Waits for `check` (log lines are written asynchronously). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type ListedIdentity = {
  id: string;
  provider: string;
  email: string | null;
  createdAt: string;
};

/** GET /api/users/me/identities as `token`'s account. */
export async function listIdentities(t: TestApp, token: string): Promise<ListedIdentity[]> {
  const res = await request(t.url)
    .get('/api/users/me/identities')
    .set(...bearer(token))
    .expect(200);
  return res.body as ListedIdentity[];
}
