import { mailTemplate, utc } from './mail-template';

/**
 * Sent to the old address when a change to another one is asked for. It does not quote the new
 * address: that is text the requester typed, and whoever holds a session could use it as a lure
 * in a mail the owner trusts ("call … to cancel").
 */
export interface EmailChangeRequestedData {
  username: string;
  at: Date;
}

export const emailChangeRequested = mailTemplate<EmailChangeRequestedData>({
  subject: 'A change of your {{appName}} email address was requested',
  view: ({ username, at }) => ({ username, at: utc(at) }),
  text: `Hello {{username}},

on {{at}} someone signed in to your {{appName}} account asked to move it to another email
address. The change happens only if the link sent to that address is used.

If this was not you, change your password at once from {{appUrl}}.
`,
  html: `<p>Hello {{username}},</p>
<p>on {{at}} someone signed in to your {{appName}} account asked to move it to another email address.
The change happens only if the link sent to that address is used.</p>
<p>If this was not you, change your password at once from <a href="{{appUrl}}">{{appUrl}}</a>.</p>`,
});
