import { api, messageOf } from './api';
import { onSubmit, say, sayError, show, field } from './dom';

async function register(form: HTMLFormElement): Promise<void> {
  const { error, response } = await api.POST('/api/auth/register', {
    body: {
      email: field(form, 'email'),
      username: field(form, 'username'),
      password: field(form, 'password'),
      birthDate: field(form, 'birthDate'),
    },
  });
  if (!response.ok) return sayError(messageOf(error, response));
  form.reset();
  show('register-form', false);
  show('registered');
  say('Check your mail: a link to verify your address is on its way.');
}

export function registerPage(): void {
  onSubmit('register-form', register);
}
