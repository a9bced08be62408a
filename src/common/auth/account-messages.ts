/**
 * Messages that several features answer with, said once: a right password (or a factor
 * enrolment) on an account whose address is not proven yet.
 */
export const EMAIL_NOT_VERIFIED = 'email not verified';
