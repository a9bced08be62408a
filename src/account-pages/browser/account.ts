/**
 * /account (and /settings, where the identity-provider callback lands after a link): profile,
 * sessions, the authenticator app, recovery codes, passkeys and linked identities of the
 * signed-in user.
 */
import type { Schemas } from '../../../client/src';
import { api, authorized, forgetTokens, messageOf, refreshSession } from './api';
import {
  byId,
  element,
  input,
  onClick,
  onSubmit,
  say,
  sayError,
  show,
  field,
  takeFragment,
} from './dom';
import { loadIdentities, providerName } from './identities';
import { readProviderResult } from './provider-result';
import { credentialChange, sensitive } from './proofs';
import { createPasskey } from './webauthn';

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

async function loadProfile(): Promise<void> {
  const { data, error, response } = await authorized(() => api.GET('/api/users/me'));
  if (!data) return sayError(messageOf(error, response));
  byId('profile-email').textContent = data.email;
  byId('profile-username').textContent = data.username;
  byId('profile-verified').textContent = data.emailVerified ? 'verified' : 'not verified yet';
  byId('profile-mfa').textContent = data.mfaEnabled ? 'on' : 'off';
  input('username').value = data.username;
  show('resend-verification', !data.emailVerified);
}

function sessionItem(session: Schemas['SessionResponse']): HTMLLIElement {
  const description = `${session.userAgent ?? 'Unknown device'} · ${session.ip ?? 'unknown address'}`;
  const item = element('li', description);
  item.append(
    element('br'),
    element('small', `Signed in ${when(session.createdAt)}, last used ${when(session.lastUsedAt)}`),
  );
  if (session.current) {
    item.append(' ', element('strong', '(this session)'));
    return item;
  }
  const revoke = element('button', 'End this session', {
    type: 'button',
    'aria-label': `End the session of ${description}`,
    'data-session': session.id,
  });
  revoke.addEventListener('click', () => void revokeSession(session.id, revoke));
  item.append(' ', revoke);
  return item;
}

async function loadSessions(): Promise<void> {
  const { data, error, response } = await authorized(() => api.GET('/api/auth/sessions'));
  if (!data) return sayError(messageOf(error, response));
  byId('session-list').replaceChildren(...data.map(sessionItem));
}

async function revokeSession(id: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const done = await sensitive(() =>
    api.DELETE('/api/auth/sessions/{id}', { params: { path: { id } }, body: {} }),
  ).finally(() => (button.disabled = false));
  if (!done) return;
  say('The session has ended.');
  await loadSessions();
}

function passkeyItem(passkey: Schemas['PasskeyResponse']): HTMLLIElement {
  const name = passkey.name ?? 'Unnamed passkey';
  const item = element(
    'li',
    `${name} · added ${when(passkey.createdAt)}, last used ${when(passkey.lastUsedAt)}`,
  );
  const remove = element('button', 'Remove', {
    type: 'button',
    'aria-label': `Remove the passkey ${name}`,
  });
  remove.addEventListener('click', () => void removePasskey(passkey.id));
  item.append(' ', remove);
  return item;
}

async function loadPasskeys(): Promise<void> {
  const { data, error, response } = await authorized(() => api.GET('/api/auth/passkeys'));
  if (!data) return sayError(messageOf(error, response));
  byId('passkey-list').replaceChildren(...data.map(passkeyItem));
  show('no-passkeys', data.length === 0);
}

async function removePasskey(id: string): Promise<void> {
  const done = await credentialChange((proofs) =>
    api.DELETE('/api/auth/passkeys/{id}', { params: { path: { id } }, body: proofs }),
  );
  if (!done) return;
  say('The passkey is removed; your other sessions have ended.');
  await Promise.all([loadPasskeys(), loadSessions(), loadProfile()]);
}

async function addPasskey(form: HTMLFormElement): Promise<void> {
  const name = field(form, 'passkeyName').trim();
  const options = await credentialChange((proofs) =>
    api.POST('/api/auth/passkeys/registration/options', { body: proofs }),
  );
  if (!options?.data) return;
  const response = await createPasskey(options.data);
  const added = await authorized(() =>
    api.POST('/api/auth/passkeys/registration/verify', {
      body: { response, ...(name ? { name } : {}) },
    }),
  );
  if (!added.data) return sayError(messageOf(added.error, added.response));
  form.reset();
  say(`Passkey “${added.data.name ?? 'Unnamed passkey'}” added; your other sessions have ended.`);
  await Promise.all([loadPasskeys(), loadSessions(), loadProfile()]);
}

/** The QR code as an image of the server's SVG: a data: URL, never markup put into this page. */
function qrImage(svg: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

async function startTotp(): Promise<void> {
  const answer = await credentialChange((proofs) =>
    api.POST('/api/auth/mfa/totp/setup', { body: proofs }),
  );
  if (!answer?.data) return;
  byId<HTMLImageElement>('totp-qr').src = qrImage(answer.data.qrSvg);
  byId('totp-secret').textContent = answer.data.secret;
  show('totp-enrol');
  say('Scan the code with your authenticator app (or type the key), then enter the code it shows.');
  input('totp-code').focus();
}

function showRecoveryCodes(codes: string[]): void {
  byId('recovery-list').replaceChildren(...codes.map((code) => element('li', code)));
  show('recovery-codes');
}

async function confirmTotp(form: HTMLFormElement): Promise<void> {
  const code = field(form, 'totpCode').trim();
  const { data, error, response } = await authorized(() =>
    api.POST('/api/auth/mfa/totp/confirm', { body: { code } }),
  );
  if (!data) return sayError(messageOf(error, response));
  form.reset();
  show('totp-enrol', false);
  showRecoveryCodes(data.recoveryCodes);
  say('Two-step sign-in is on. Keep the recovery codes below somewhere safe: they are shown once.');
  await Promise.all([loadProfile(), loadSessions()]);
}

async function disableTotp(): Promise<void> {
  const done = await credentialChange((proofs) =>
    api.DELETE('/api/auth/mfa/totp', { body: proofs }),
  );
  if (!done) return;
  say('The authenticator app is off, and its recovery codes too.');
  await Promise.all([loadProfile(), loadSessions()]);
}

async function regenerateRecoveryCodes(): Promise<void> {
  const answer = await credentialChange((proofs) =>
    api.POST('/api/auth/mfa/recovery-codes', { body: proofs }),
  );
  if (!answer?.data) return;
  showRecoveryCodes(answer.data.recoveryCodes);
  say('New recovery codes, shown once; the old ones no longer work.');
}

async function changeUsername(form: HTMLFormElement): Promise<void> {
  const username = field(form, 'username').trim();
  const { data, error, response } = await authorized(() =>
    api.PATCH('/api/users/me', { body: { username } }),
  );
  if (!data) return sayError(messageOf(error, response));
  say('Username saved.');
  await loadProfile();
}

async function changeEmail(form: HTMLFormElement): Promise<void> {
  const newEmail = field(form, 'newEmail').trim();
  const answer = await credentialChange((proofs) =>
    api.POST('/api/users/me/email', { body: { ...proofs, newEmail } }),
  );
  if (!answer?.data) return;
  form.reset();
  say(answer.data.message);
}

async function resendVerification(): Promise<void> {
  const { data, error, response } = await authorized(() =>
    api.POST('/api/auth/email/verify/resend'),
  );
  say(data ? data.message : messageOf(error, response), data ? 'info' : 'error');
}

async function signOut(): Promise<void> {
  const { error, response } = await authorized(() => api.POST('/api/auth/logout'));
  if (!response.ok) return sayError(messageOf(error, response));
  forgetTokens();
  location.assign('/sign-in');
}

async function signOutEverywhere(): Promise<void> {
  if (!(await sensitive(() => api.POST('/api/auth/logout-all', { body: {} })))) return;
  forgetTokens();
  location.assign('/sign-in');
}

/** What an unlink changes: the identities, and the sessions it ended. */
async function reloadAfterUnlink(): Promise<void> {
  await Promise.all([loadIdentities(reloadAfterUnlink), loadSessions(), loadProfile()]);
}

export async function accountPage(): Promise<void> {
  // `#linked=<id>` after a link: out of the address bar at once, confirmed once the page is loaded.
  const arrival = readProviderResult(takeFragment());
  say('Loading your account…');
  const { response, error } = await refreshSession();
  // No live session: sign in. Another refusal (a foreign origin, the service away) is shown as is.
  if (response.status === 401) return location.replace('/sign-in');
  if (!response.ok) return sayError(messageOf(error, response));
  onSubmit('username-form', changeUsername);
  onSubmit('email-form', changeEmail);
  onClick('resend-verification', resendVerification);
  onClick('sign-out', signOut);
  onClick('sign-out-everywhere', signOutEverywhere);
  onClick('totp-setup', startTotp);
  onSubmit('totp-confirm-form', confirmTotp);
  onClick('totp-disable', disableTotp);
  onClick('recovery-regenerate', regenerateRecoveryCodes);
  onSubmit('passkey-form', addPasskey);
  await Promise.all([
    loadProfile(),
    loadSessions(),
    loadPasskeys(),
    loadIdentities(reloadAfterUnlink),
  ]);
  show('account');
  if (arrival.kind === 'linked')
    say(`${providerName(arrival.provider)} is now linked: you can sign in with it.`);
  else say('');
}
