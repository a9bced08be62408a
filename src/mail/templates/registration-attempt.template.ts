import { mailTemplate, utc } from './mail-template';

/**
 * Sent to an address that already has an account when someone registers with it. The API answers
 * 202 either way, so only the owner of the address learns that it is taken. It quotes nothing the
 * registering caller typed (not even the username they chose): only the owner's own name, the time
 * and PUBLIC_APP_URL.
 */
export interface RegistrationAttemptData {
  /** The owner's username, never the one in the attempt. */
  username: string;
  at: Date;
}

export const registrationAttempt = mailTemplate<RegistrationAttemptData>({
  subject: 'Someone tried to register with your email address on {{appName}}',
  view: ({ username, at }) => ({ username, at: utc(at) }),
  text: `Hello {{username}},

someone tried to register a new {{appName}} account with this email address on {{at}}. The address
already belongs to your account, so no account was created and nothing was changed.

If it was you, sign in at {{appUrl}}, or reset your password there if you have forgotten it.
Otherwise you can ignore this mail.
`,
  html: `<p>Hello {{username}},</p>
<p>someone tried to register a new {{appName}} account with this email address on {{at}}. The address already belongs to your account, so no account was created and nothing was changed.</p>
<p>If it was you, sign in at <a href="{{appUrl}}">{{appUrl}}</a>, or reset your password there if you have forgotten it. Otherwise you can ignore this mail.</p>`,
});
