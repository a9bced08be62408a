import { WRONG_CODE } from '../common/auth/account-messages';

/**
 * What sign-in and step-up answer when they refuse, said once. Part of the contract: clients and
 * tests match these texts. Texts other features answer too live in common/auth/account-messages.ts.
 */
export const SIGN_IN_ERRORS = {
  /** One message for every failed sign-in, so a response never tells whether an account exists. */
  INVALID_CREDENTIALS: 'Invalid email or password',
  REFRESH_TOKEN_REQUIRED: 'Refresh token is required (body or cookie)',
  CROSS_SITE_REFRESH: 'Using the refresh cookie is refused from another site',
  /** A logout with neither an access token nor the refresh cookie. */
  LOGOUT_CREDENTIAL_REQUIRED:
    'Sign out with the access token (Authorization) or the refresh cookie',
  /** The credentials version moved on between the proof and the session. */
  SIGN_IN_EXPIRED: 'The sign-in is no longer valid: sign in again',
  /** An mfaToken unknown, spent, expired or out of tries. */
  INVALID_MFA_TOKEN: 'The sign-in has expired or the code is wrong: sign in again',
  /** A wrong TOTP code, recovery code or passkey, at the second step and at step-up. */
  WRONG_SECOND_FACTOR: WRONG_CODE,
  PASSKEY_REFUSED: 'The passkey could not be verified',
  PASSWORD_REQUIRED: 'This change needs your password (`password`) in the request',
  FACTOR_REQUIRED:
    'This change needs your password and a second factor (`code`, `recoveryCode` or `passkey`) in the request',
  PROOF_REQUIRED:
    'This operation needs a proof (`password`, `code`, `recoveryCode` or `passkey`): none was made recently',
  ONE_FACTOR: 'Give one second factor: `code`, `recoveryCode` or `passkey`',
  /** An account without a password proves a credential change with a passkey or a fresh provider sign-in. */
  NO_PASSWORD_PROOF_REQUIRED:
    'This account has no password: this change needs a `passkey` in the request, or a sign-in with your identity provider within the last few minutes (and with a second factor on, a `code` or `recoveryCode`)',
} as const;
