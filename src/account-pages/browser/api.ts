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

/** Spends the refresh cookie for a new access token; false when there is no live session. */
export async function refreshSession(): Promise<boolean> {
  const { data } = await api.POST('/api/auth/refresh', { body: {} });
  if (!data) return false;
  keepTokens(data);
  return true;
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
  return (await refreshSession()) ? call() : first;
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
