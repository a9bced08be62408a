/**
 * What the identity-provider callback put in the fragment of /signed-in and /settings, and the
 * sentence each failure shows. No DOM here: the unit specs run it under Node.
 */

/** The `#error=` reasons of the callback (docs/API.md, sign-in with an identity provider). */
export const PROVIDER_ERROR_REASONS = [
  'access_denied',
  'invalid_state',
  'invalid_response',
  'email_not_verified',
  'link_required',
  'identity_in_use',
  'account_disabled',
  'provider_unavailable',
] as const;

export type ProviderErrorReason = (typeof PROVIDER_ERROR_REASONS)[number];

const SENTENCES: Readonly<Record<ProviderErrorReason, string>> = {
  access_denied: 'The sign-in was cancelled at the provider, so you are not signed in.',
  invalid_state:
    'This sign-in expired or was started in another browser or tab. Start it again from the sign-in page.',
  invalid_response:
    'The provider’s answer could not be verified, so you are not signed in. Try again in a moment.',
  email_not_verified:
    'The provider has not verified your email address, so no account can be made with it. Verify it with the provider, or register here with a password.',
  link_required:
    'An account with this email address already exists. Sign in to it with your password first, then link the provider from your account settings.',
  identity_in_use:
    'This provider account is already linked to another account here. Sign in to that account, or unlink it there first.',
  account_disabled: 'This account is disabled. Contact support if you think this is a mistake.',
  provider_unavailable:
    'The provider cannot be reached right now. Try again in a few minutes, or sign in another way.',
};

const UNKNOWN =
  'The sign-in with the provider did not finish. Start it again from the sign-in page.';

/** The sentence for a callback's `#error=` reason; an unknown reason still gets a plain one. */
export function providerErrorSentence(reason: string): string {
  return (PROVIDER_ERROR_REASONS as readonly string[]).includes(reason)
    ? SENTENCES[reason as ProviderErrorReason]
    : UNKNOWN;
}

/** The one thing a callback fragment says: a code to exchange, a failure, or a new link. */
export type ProviderResult =
  | { kind: 'code'; code: string }
  | { kind: 'error'; reason: string }
  | { kind: 'linked'; provider: string }
  | { kind: 'none' };

/**
 * Reads `location.hash` (with or without its `#`). An error wins over a code (a fragment with both
 * was not written by the callback); empty values count as absent.
 */
export function readProviderResult(hash: string): ProviderResult {
  const values = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const error = values.get('error');
  if (error) return { kind: 'error', reason: error };
  const code = values.get('code');
  if (code) return { kind: 'code', code };
  const linked = values.get('linked');
  if (linked) return { kind: 'linked', provider: linked };
  return { kind: 'none' };
}
