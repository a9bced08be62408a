import type { Schemas } from '../../../client/src';
import { api, keepTokens, messageOf } from './api';
import { byId, element, input, onClick, onSubmit, say, sayError, show, field } from './dom';
import { usePasskey } from './webauthn';

/** What a first factor (a password, or a provider's sign-in) answers: tokens or a second step. */
export type SignInAnswer = Schemas['TokenPair'] | Schemas['MfaChallengeResponse'];

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
  firstFactorPassed(data, 'Password accepted: one more step.');
}

/**
 * After the first factor: signed in, or the second step (the page has the #second-step section;
 * the #password-step it replaces is hidden when the page has one).
 */
export function firstFactorPassed(answer: SignInAnswer, oneMoreStep: string): void {
  if ('mfaRequired' in answer) return secondStep(answer, oneMoreStep);
  signedIn(answer);
}

function secondStep(challenge: Schemas['MfaChallengeResponse'], oneMoreStep: string): void {
  mfaToken = challenge.mfaToken;
  const firstStep = document.getElementById('password-step');
  if (firstStep) firstStep.hidden = true;
  show('second-step');
  show(
    'second-step-code',
    challenge.methods.some((m) => m === 'totp' || m === 'recovery_code'),
  );
  show('second-step-passkey', challenge.methods.includes('passkey'));
  say(oneMoreStep);
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

/** The second step's controls, on every page that shows it (/sign-in, /signed-in). */
export function wireSecondStep(): void {
  onSubmit('code-form', codeStep);
  onClick('second-step-passkey', () => passkeyStep(mfaToken));
}

/**
 * One button per configured identity provider: a plain link to its authorize route, so the
 * browser navigates there itself (the flow cookie is set on that top-level answer). None: hidden.
 */
async function showProviders(): Promise<void> {
  const { data } = await api.GET('/api/auth/oidc/providers');
  if (!data || data.length === 0) return;
  byId('provider-list').replaceChildren(
    ...data.map((provider) => {
      const item = element('li');
      item.append(
        element('a', `Sign in with ${provider.name}`, {
          class: 'button',
          href: `/api/auth/oidc/${encodeURIComponent(provider.id)}/authorize`,
        }),
      );
      return item;
    }),
  );
  show('providers');
}

export async function signInPage(): Promise<void> {
  onSubmit('password-form', passwordStep);
  wireSecondStep();
  onClick('passkey-sign-in', () => passkeyStep(undefined));
  await showProviders();
}
