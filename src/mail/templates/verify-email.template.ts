import { mailTemplate, type TokenData } from './mail-template';

export interface VerifyEmailData extends TokenData {
  username: string;
  /** How long the link works, in words ("24 hours"). */
  validFor: string;
}

export const verifyEmail = mailTemplate<VerifyEmailData>({
  linkPath: '/verify-email',
  subject: 'Confirm your email address for {{appName}}',
  view: ({ username, validFor }) => ({ username, validFor }),
  text: `Hello {{username}},

please confirm your email address for {{appName}} by opening this link:

{{link}}

The link works once, for {{validFor}}. If you did not create an account, ignore this mail.
`,
  html: `<p>Hello {{username}},</p>
<p>please confirm your email address for {{appName}}:</p>
<p><a href="{{link}}">Confirm my email address</a></p>
<p>The link works once, for {{validFor}}. If you did not create an account, ignore this mail.</p>`,
});
