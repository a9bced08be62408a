import { mailTemplate, type TokenData } from './mail-template';

export interface PasswordResetData extends TokenData {
  username: string;
  validFor: string;
}

export const passwordReset = mailTemplate<PasswordResetData>({
  linkPath: '/reset-password',
  subject: 'Reset your {{appName}} password',
  view: ({ username, validFor }) => ({ username, validFor }),
  text: `Hello {{username}},

someone asked to reset the password of your {{appName}} account. To choose a new one, open:

{{link}}

The link works once, for {{validFor}}. Resetting signs out every session.
If you did not ask for this, ignore this mail: your password stays as it is.
`,
  html: `<p>Hello {{username}},</p>
<p>someone asked to reset the password of your {{appName}} account.</p>
<p><a href="{{link}}">Choose a new password</a></p>
<p>The link works once, for {{validFor}}. Resetting signs out every session.
If you did not ask for this, ignore this mail: your password stays as it is.</p>`,
});
