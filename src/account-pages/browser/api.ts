/**
 * The pages' one way to the API: the typed client (client/), same origin, the cookie sent along.
 * The access token lives in this module's memory only (never in storage a script of another page
 * could read); the refresh token lives only in the HttpOnly cookie, because every request says
 * `X-Token-Delivery: cookie`.
 */
import { createApiClient, type Schemas } from '../../../client/src';

let accessToken: string | undefined;

export const api = createApiClient({ baseUrl: location.origin, credentials: 'same-origin' });

api.use({
  onRequest({ request }) {
    request.headers.set('X-Token-Delivery', 'cookie');
    if (accessToken) request.headers.set('Authorization', `Bearer ${accessToken}`);
    return request;
  },
});

/** Keeps the access token of a sign-in or refresh answer (the refresh token is in the cookie). */
export function keepTokens(pair: Schemas['TokenPair']): void {
  accessToken = pair.accessToken;
}

export function forgetTokens(): void {
  accessToken = undefined;
}

/** How a refresh ended: its answer, and the API's error body when it was refused. */
export interface RefreshOutcome {
  response: Response;
  error?: unknown;
}

let refreshing: Promise<RefreshOutcome> | undefined;

/**
 * Spends the refresh cookie for a new access token. A refresh token works once and a spent one
 * presented again ends the session (reuse detection), so refreshes never overlap: calls of this
 * page share one in flight, and the tabs of this origin take turns through a Web Lock (the next
 * one then sends the cookie the previous one set).
 */
export function refreshSession(): Promise<RefreshOutcome> {
  refreshing ??= withRefreshLock(async () => {
    const { data, error, response } = await api.POST('/api/auth/refresh', { body: {} });
    if (data) keepTokens(data);
    return { response, error };
  }).finally(() => (refreshing = undefined));
  return refreshing;
}

function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  return 'locks' in navigator ? navigator.locks.request('account-pages-refresh', work) : work();
}

/** A 401 that asks for a proof (RFC 9470), not for a new token. */
export function needsProof(response: Response): boolean {
  return (
    response.status === 401 &&
    (response.headers.get('WWW-Authenticate') ?? '').includes('insufficient_user_authentication')
  );
}

interface Answer {
  response: Response;
}

/**
 * Runs an authenticated call; when the access token has expired meanwhile (a plain 401), refreshes
 * once with the cookie and runs it again.
 */
export async function authorized<T extends Answer>(call: () => Promise<T>): Promise<T> {
  const first = await call();
  if (first.response.status !== 401 || needsProof(first.response)) return first;
  return (await refreshSession()).response.ok ? call() : first;
}

/**
 * What to tell the user about a failed call: the API's own `message` (the uniform error body),
 * never the raw body; a generic sentence when there is none.
 */
export function messageOf(error: unknown, response?: Response): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join(' ');
  }
  return response
    ? `The request failed (HTTP ${response.status}).`
    : 'The service cannot be reached.';
}
