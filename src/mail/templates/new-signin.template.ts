import { mailTemplate, shortened, utc } from './mail-template';

export interface NewSignInData {
  username: string;
  at: Date;
  /** The client address, as parsed (never the raw header text). */
  ip: string;
  /** Browser and OS family from a fixed list ("Chrome on macOS"), never the raw User-Agent. */
  device: string;
}

export const newSignIn = mailTemplate<NewSignInData>({
  subject: 'New sign-in to your {{appName}} account',
  view: ({ username, at, ip, device }) => ({
    username,
    at: utc(at),
    ip: shortened(ip, 64),
    device,
  }),
  text: `Hello {{username}},

your {{appName}} account was signed in to from a device and network not seen recently:

  when:    {{at}}
  network: {{ip}}
  device:  {{device}}

If this was you, nothing to do. If not, change your password at once from {{appUrl}} and sign
out your other sessions.
`,
  html: `<p>Hello {{username}},</p>
<p>your {{appName}} account was signed in to from a device and network not seen recently:</p>
<ul><li>when: {{at}}</li><li>network: {{ip}}</li><li>device: {{device}}</li></ul>
<p>If this was you, nothing to do. If not, change your password at once from <a href="{{appUrl}}">{{appUrl}}</a> and sign out your other sessions.</p>`,
});
