import { mailTemplate } from './mail-template';

/**
 * Sent to an address that already has an account when someone asks to move another account to
 * it. The API answers 202 either way, so only the owner of the address learns that it is taken.
 */
export interface EmailTakenData {
  username: string;
}

export const emailTaken = mailTemplate<EmailTakenData>({
  subject: 'Someone tried to use your email address on {{appName}}',
  view: ({ username }) => ({ username }),
  text: `Hello {{username}},

someone asked to move another {{appName}} account to this email address. It already belongs to
your account, so nothing was changed.

If this was you, sign in to your existing account at {{appUrl}}. Otherwise you can ignore this mail.
`,
  html: `<p>Hello {{username}},</p>
<p>someone asked to move another {{appName}} account to this email address. It already belongs to your account, so nothing was changed.</p>
<p>If this was you, sign in to your existing account at <a href="{{appUrl}}">{{appUrl}}</a>. Otherwise you can ignore this mail.</p>`,
});
