import { mailTemplate, utc } from './mail-template';
import type { MfaChangedData } from './mfa-enabled.template';

export const mfaDisabled = mailTemplate<MfaChangedData>({
  subject: 'Two-step verification turned off for your {{appName}} account',
  view: ({ username, at, method }) => ({ username, at: utc(at), method }),
  text: `Hello {{username}},

two-step verification with {{method}} was turned off for your {{appName}} account on {{at}}.
Your account is now protected by its password alone.

If this was not you, reset your password at once from {{appUrl}} and turn it on again.
`,
  html: `<p>Hello {{username}},</p>
<p>two-step verification with {{method}} was turned off for your {{appName}} account on {{at}}.
Your account is now protected by its password alone.</p>
<p>If this was not you, reset your password at once from <a href="{{appUrl}}">{{appUrl}}</a> and turn it on again.</p>`,
});
