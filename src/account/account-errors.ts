/**
 * What the account lifecycle answers, said once: the refusals its services throw, and the fixed
 * 202 bodies that tell nothing about whether an address has an account. Part of the contract:
 * clients and tests match these texts. Texts sign-in answers too live in
 * common/auth/account-messages.ts.
 */
export const ACCOUNT_ERRORS = {
  EMAIL_IN_USE: 'This email address is already in use',
  TOO_MANY_MAILS: 'Too many mails to this address: try again later',
  SAME_EMAIL: 'newEmail must differ from the current address',
  SAME_PASSWORD: 'newPassword must differ from the current password',
  USER_NOT_FOUND: 'User not found',
} as const;

/** The 202 bodies of the lifecycle routes. */
export const ACCOUNT_ACCEPTED = {
  REGISTRATION: 'Check your inbox to finish creating your account',
  EMAIL_CHANGE: 'A confirmation link is on its way to the new address',
  VERIFICATION_RESENT: 'Unless the address is verified already, a new link is on its way',
  RESET_REQUESTED: 'If an account uses this address, a reset link is on its way',
} as const;
