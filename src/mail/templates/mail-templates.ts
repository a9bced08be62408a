import { emailChangeConfirm } from './email-change-confirm.template';
import { emailChangeRequested } from './email-change-requested.template';
import { emailTaken } from './email-taken.template';
import { identityLinked } from './identity-linked.template';
import type { MailTemplate } from './mail-template';
import { mfaDisabled } from './mfa-disabled.template';
import { mfaEnabled } from './mfa-enabled.template';
import { mfaFailures } from './mfa-failures.template';
import { mfaReset } from './mfa-reset.template';
import { newSignIn } from './new-signin.template';
import { passwordChanged } from './password-changed.template';
import { passwordReset } from './password-reset.template';
import { registrationAttempt } from './registration-attempt.template';
import { verifyEmail } from './verify-email.template';

/**
 * Every kind of mail the service sends. Adding one: a `<purpose>.template.ts` file beside this
 * one, and its entry here; `MailService.enqueue` is then typed for it.
 */
export const MAIL_TEMPLATES = {
  'verify-email': verifyEmail,
  'password-reset': passwordReset,
  'password-changed': passwordChanged,
  'email-change-confirm': emailChangeConfirm,
  'email-change-requested': emailChangeRequested,
  'email-taken': emailTaken,
  'registration-attempt': registrationAttempt,
  'new-signin': newSignIn,
  'mfa-enabled': mfaEnabled,
  'mfa-disabled': mfaDisabled,
  'mfa-failures': mfaFailures,
  'mfa-reset': mfaReset,
  'identity-linked': identityLinked,
} as const;

export type MailPurpose = keyof typeof MAIL_TEMPLATES;

/** The data a purpose's template needs, as its `view` declares it. */
export type MailData<P extends MailPurpose> =
  (typeof MAIL_TEMPLATES)[P] extends MailTemplate<infer Data> ? Data : never;

export function isMailPurpose(value: string): value is MailPurpose {
  return Object.prototype.hasOwnProperty.call(MAIL_TEMPLATES, value);
}
