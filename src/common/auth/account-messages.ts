/** Messages that several features answer with, said once. */

/** A right password (or a factor enrolment) on an account whose address is not proven yet. */
export const EMAIL_NOT_VERIFIED = 'email not verified';

/**
 * Every refused link (unknown, expired, spent, superseded, wrong purpose, or dead with the
 * credentials it was issued under), and a pending sign-in step that died with them.
 */
export const INVALID_LINK = 'The link is invalid or has expired';

/** A wrong or spent TOTP code, recovery code or passkey: at enrolment, sign-in and step-up. */
export const WRONG_CODE = 'The code is invalid or was already used';
