import * as client from 'openid-client';

/** Why a provider sign-in ended without a sign-in: the `#error=` the browser lands on. */
export type ProviderFailure =
  | 'access_denied'
  | 'invalid_state'
  | 'invalid_response'
  | 'email_not_verified'
  | 'link_required'
  | 'identity_in_use'
  | 'account_disabled'
  | 'provider_unavailable';

/** A refusal decided by this service: its reason goes to the browser as it is. */
export class ProviderSignInRefused extends Error {
  constructor(readonly reason: ProviderFailure) {
    super(reason);
  }
}

// openid-client's codes for a call that never got its answer.
const UNREACHABLE = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);

/**
 * The reason for an error thrown while talking to the provider, or undefined for any other error
 * (the database away, a bug), which the service's own fault handling answers. Unreachable, timed
 * out or a 5xx: `provider_unavailable`. The user or the provider said no: `access_denied`. Anything
 * the checks refused (state, `iss`, ID token, nonce, a code replayed, a body that is not what the
 * protocol says): `invalid_response`.
 */
export function providerFailureOf(error: unknown): ProviderFailure | undefined {
  if (error instanceof ProviderSignInRefused) return error.reason;
  if (error instanceof client.AuthorizationResponseError)
    return error.error === 'access_denied' ? 'access_denied' : 'invalid_response';
  if (error instanceof client.ResponseBodyError)
    return error.status >= 500 ? 'provider_unavailable' : 'invalid_response';
  if (isFetchFailure(error)) return 'provider_unavailable';
  if (error instanceof client.ClientError) {
    if (error.code && UNREACHABLE.has(error.code)) return 'provider_unavailable';
    if (isFetchFailure(error.cause)) return 'provider_unavailable';
    // An unexpected status: openid-client keeps the Response (or its status) as the cause.
    const status = (error.cause as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 500) return 'provider_unavailable';
    return 'invalid_response';
  }
  if (error instanceof client.WWWAuthenticateChallengeError) return 'invalid_response';
  return undefined;
}

/** fetch's own failure (refused, reset, DNS, TLS): a TypeError "fetch failed"; any other TypeError is a bug. */
function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'fetch failed';
}
