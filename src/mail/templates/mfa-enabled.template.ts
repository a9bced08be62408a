import { mailTemplate, utc } from './mail-template';

export interface MfaChangedData {
  username: string;
  at: Date;
  /** The factor, in words: "an authenticator app", "a passkey". */
  method: string;
}

export const mfaEnabled = mailTemplate<MfaChangedData>({
  subject: 'Two-step verification turned on for your {{appName}} account',
  view: ({ username, at, method }) => ({ username, at: utc(at), method }),
  text: `Hello {{username}},

two-step verification with {{method}} was turned on for your {{appName}} account on {{at}}.

If this was not you, someone has your password: reset it from {{appUrl}} and contact support.
`,
  html: `<p>Hello {{username}},</p>
<p>two-step verification with {{method}} was turned on for your {{appName}} account on {{at}}.</p>
<p>If this was not you, someone has your password: reset it from <a href="{{appUrl}}">{{appUrl}}</a> and contact support.</p>`,
});
