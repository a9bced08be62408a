import { mailTemplate, utc } from './mail-template';

export interface MfaFailuresData {
  username: string;
  at: Date;
}

/** Wrong second factors only reach the check after the right password: someone may know it. */
export const mfaFailures = mailTemplate<MfaFailuresData>({
  subject: 'Repeated failed sign-in attempts on your {{appName}} account',
  view: ({ username, at }) => ({ username, at: utc(at) }),
  text: `Hello {{username}},

until {{at}}, sign-ins to your {{appName}} account gave the right password but failed the second
step again and again, so further tries are paused for a while.

If this was not you, someone knows your password: change it at once from {{appUrl}}. Your second
factor kept them out.
`,
  html: `<p>Hello {{username}},</p>
<p>until {{at}}, sign-ins to your {{appName}} account gave the right password but failed the second step again and again, so further tries are paused for a while.</p>
<p>If this was not you, someone knows your password: change it at once from <a href="{{appUrl}}">{{appUrl}}</a>. Your second factor kept them out.</p>`,
});
