import { mailTemplate, utc } from './mail-template';

/** Sent to the old address when a change to another one is asked for. */
export interface EmailChangeRequestedData {
  username: string;
  newEmail: string;
  at: Date;
}

export const emailChangeRequested = mailTemplate<EmailChangeRequestedData>({
  subject: 'A change of your {{appName}} email address was requested',
  view: ({ username, newEmail, at }) => ({ username, newEmail, at: utc(at) }),
  text: `Hello {{username}},

on {{at}} someone signed in to your {{appName}} account asked to change its email address to
{{newEmail}}. The change happens only if the link sent to that address is used.

If this was not you, change your password at once from {{appUrl}}.
`,
  html: `<p>Hello {{username}},</p>
<p>on {{at}} someone signed in to your {{appName}} account asked to change its email address to <strong>{{newEmail}}</strong>.
The change happens only if the link sent to that address is used.</p>
<p>If this was not you, change your password at once from <a href="{{appUrl}}">{{appUrl}}</a>.</p>`,
});
