import { mailTemplate, type TokenData } from './mail-template';

/** Sent to the new address: using the link is what moves the account to it. */
export interface EmailChangeConfirmData extends TokenData {
  username: string;
  validFor: string;
}

export const emailChangeConfirm = mailTemplate<EmailChangeConfirmData>({
  linkPath: '/confirm-email',
  subject: 'Confirm your new email address for {{appName}}',
  view: ({ username, validFor }) => ({ username, validFor }),
  text: `Hello {{username}},

you asked to use this address for your {{appName}} account. To confirm, open:

{{link}}

Nothing changes until the link is used. It works once, for {{validFor}}.
If you did not ask for this, ignore this mail.
`,
  html: `<p>Hello {{username}},</p>
<p>you asked to use this address for your {{appName}} account.</p>
<p><a href="{{link}}">Confirm my new email address</a></p>
<p>Nothing changes until the link is used. It works once, for {{validFor}}.
If you did not ask for this, ignore this mail.</p>`,
});
