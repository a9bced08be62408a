import { mailTemplate, utc } from './mail-template';

export interface MfaResetData {
  username: string;
  at: Date;
}

/** To the user whose factors an admin removed: the one way they learn of it if they did not ask. */
export const mfaReset = mailTemplate<MfaResetData>({
  subject: 'An administrator removed the two-step verification of your {{appName}} account',
  view: ({ username, at }) => ({ username, at: utc(at) }),
  text: `Hello {{username}},

on {{at}} an administrator removed every two-step verification method of your {{appName}} account
(authenticator app, recovery codes and passkeys) and signed you out everywhere. Your account is now
protected by its password alone: sign in at {{appUrl}} and turn two-step verification on again.

If you did not ask for this, reset your password at once from {{appUrl}} and contact support.
`,
  html: `<p>Hello {{username}},</p>
<p>on {{at}} an administrator removed every two-step verification method of your {{appName}} account
(authenticator app, recovery codes and passkeys) and signed you out everywhere. Your account is now
protected by its password alone: sign in at <a href="{{appUrl}}">{{appUrl}}</a> and turn two-step verification on again.</p>
<p>If you did not ask for this, reset your password at once from <a href="{{appUrl}}">{{appUrl}}</a> and contact support.</p>`,
});
