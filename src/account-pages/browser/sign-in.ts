import type { Schemas } from '../../../client/src';
import { api, keepTokens, messageOf } from './api';
import { byId, input, onClick, onSubmit, say, sayError, show, field } from './dom';
import { usePasskey } from './webauthn';

type SignInAnswer = Schemas['TokenPair'] | Schemas['MfaChallengeResponse'];

let mfaToken: string | undefined;

/** Signed in: the access token is kept for this page's life, and the account page takes over. */
function signedIn(pair: Schemas['TokenPair']): void {
  keepTokens(pair);
  say('Signed in.');
  location.assign('/account');
}

/** The password step: tokens, or a second step to take with the methods the account has. */
async function passwordStep(form: HTMLFormElement): Promise<void> {
  const { data, error, response } = await api.POST('/api/auth/login', {
    body: { email: field(form, 'email'), password: field(form, 'password') },
    params: { header: { 'X-Token-Delivery': 'cookie' } },
  });
  if (!data) return sayError(messageOf(error, response));
  const answer = data as SignInAnswer; // the login answer is one of the two (openapi oneOf)
  if ('mfaRequired' in answer) return secondStep(answer);
  signedIn(answer);
}

function secondStep(challenge: Schemas['MfaChallengeResponse']): void {
  mfaToken = challenge.mfaToken;
  show('password-step', false);
  show('second-step');
  show(
    'second-step-code',
    challenge.methods.some((m) => m === 'totp' || m === 'recovery_code'),
  );
  show('second-step-passkey', challenge.methods.includes('passkey'));
  say('Password accepted: one more step.');
  (byId('second-step').querySelector('input') ?? byId('second-step-passkey')).focus();
}

/** A 6-digit code from the app, or else a recovery code. */
async function codeStep(): Promise<void> {
  const value = input('second-factor').value.trim();
  const proof = /^\d{6}$/.test(value) ? { code: value } : { recoveryCode: value };
  const { data, error, response } = await api.POST('/api/auth/mfa/verify', {
    body: { mfaToken: mfaToken ?? '', ...proof },
    params: { header: { 'X-Token-Delivery': 'cookie' } },
  });
  if (!data) return sayError(messageOf(error, response));
  signedIn(data);
}

/** A passkey: as the second step (with the mfaToken), or alone (a discoverable passkey). */
async function passkeyStep(withMfaToken: string | undefined): Promise<void> {
  const body = withMfaToken ? { mfaToken: withMfaToken } : {};
  const options = await api.POST('/api/auth/passkeys/authentication/options', { body });
  if (!options.data) return sayError(messageOf(options.error, options.response));
  const assertion = await usePasskey(options.data);
  const { data, error, response } = await api.POST('/api/auth/passkeys/authentication/verify', {
    body: { ...body, response: assertion },
    params: { header: { 'X-Token-Delivery': 'cookie' } },
  });
  if (!data) return sayError(messageOf(error, response));
  signedIn(data);
}

export function signInPage(): void {
  onSubmit('password-form', passwordStep);
  onSubmit('code-form', codeStep);
  onClick('second-step-passkey', () => passkeyStep(mfaToken));
  onClick('passkey-sign-in', () => passkeyStep(undefined));
}
