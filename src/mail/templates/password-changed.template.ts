import { mailTemplate, utc } from './mail-template';

export interface PasswordChangedData {
  username: string;
  at: Date;
}

export const passwordChanged = mailTemplate<PasswordChangedData>({
  subject: 'Your {{appName}} password was changed',
  view: ({ username, at }) => ({ username, at: utc(at) }),
  text: `Hello {{username}},

the password of your {{appName}} account was changed on {{at}}, and your other sessions were
signed out.

If this was not you, reset your password at once from {{appUrl}} and review your account.
`,
  html: `<p>Hello {{username}},</p>
<p>the password of your {{appName}} account was changed on {{at}}, and your other sessions were signed out.</p>
<p>If this was not you, reset your password at once from <a href="{{appUrl}}">{{appUrl}}</a> and review your account.</p>`,
});
