import { mailTemplate, utc } from './mail-template';

export interface IdentityLinkedData {
  username: string;
  at: Date;
  /** The provider's name as configured: "Google", "GitHub". */
  provider: string;
}

/** Sent when a provider sign-in is linked to the account, by its verified address or from a session. */
export const identityLinked = mailTemplate<IdentityLinkedData>({
  subject: 'A {{provider}} sign-in was linked to your {{appName}} account',
  view: ({ username, at, provider }) => ({ username, at: utc(at), provider }),
  text: `Hello {{username}},

your {{appName}} account can now be signed in to with {{provider}}, since {{at}}.

If this was not you, sign in from {{appUrl}}, remove the {{provider}} sign-in in your settings, and contact support.
`,
  html: `<p>Hello {{username}},</p>
<p>your {{appName}} account can now be signed in to with {{provider}}, since {{at}}.</p>
<p>If this was not you, sign in from <a href="{{appUrl}}">{{appUrl}}</a>, remove the {{provider}} sign-in in your settings, and contact support.</p>`,
});
