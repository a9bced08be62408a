/** The pages mail links land on, and the forgotten-password form that sends one. */
import { api, messageOf } from './api';
import { onSubmit, say, sayError, show, takeFragmentToken, field } from './dom';

const NO_TOKEN = 'This page needs the link from your mail: open it again from the message.';

export async function verifyEmailPage(): Promise<void> {
  const token = takeFragmentToken();
  if (!token) return sayError(NO_TOKEN);
  say('Verifying your address…');
  const { error, response } = await api.POST('/api/auth/email/verify', { body: { token } });
  if (!response.ok) return sayError(messageOf(error, response));
  say('Your address is verified. You can sign in.');
  show('next');
}

export async function confirmEmailPage(): Promise<void> {
  const token = takeFragmentToken();
  if (!token) return sayError(NO_TOKEN);
  say('Confirming your new address…');
  const { error, response } = await api.POST('/api/auth/email/change/confirm', {
    body: { token },
  });
  if (!response.ok) return sayError(messageOf(error, response));
  say('Your account now uses the new address. Every session has ended: sign in again.');
  show('next');
}

export function forgotPasswordPage(): void {
  onSubmit('forgot-form', async (form) => {
    const email = field(form, 'email');
    const { data, error, response } = await api.POST('/api/auth/password/forgot', {
      body: { email },
    });
    if (!data) return sayError(messageOf(error, response));
    say(data.message);
  });
}

export function resetPasswordPage(): void {
  const token = takeFragmentToken();
  if (!token) {
    show('reset-form', false);
    return sayError(NO_TOKEN);
  }
  onSubmit('reset-form', async (form) => {
    const newPassword = field(form, 'newPassword');
    const { error, response } = await api.POST('/api/auth/password/reset', {
      body: { token, newPassword },
    });
    if (!response.ok) return sayError(messageOf(error, response));
    form.reset();
    show('reset-form', false);
    say('Your password is changed and every session has ended. Sign in with the new password.');
    show('next');
  });
}
