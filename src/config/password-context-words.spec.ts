import { configOf } from './config-of';
import { Env } from './env.schema';
import { hostLabels, passwordContextWords } from './password-context-words';

describe('the context words of the password policy', () => {
  it.each([
    ['app.example.co.uk', ['example']],
    ['app.example.org', ['example']],
    ['accounts.acme-widgets.com', ['accounts', 'acme-widgets']],
    ['api.shop.io', ['shop']],
    ['localhost', []],
    ['127.0.0.1', []],
    ['[::1]', []],
  ])('%s gives the labels of at least 4 characters, its suffix excluded: %j', (host, labels) => {
    expect(hostLabels(host)).toEqual(labels);
  });

  it('takes the service name, the host labels and the operator words, lower case, each once', () => {
    expect(
      passwordContextWords('Secure-Nest-Foundation', 'https://app.example.co.uk/', [
        'Orchid',
        'example',
      ]),
    ).toEqual(['secure-nest-foundation', 'example', 'orchid']);
  });

  it('reads an issuer that is a URL as its host labels', () => {
    expect(passwordContextWords('https://auth.acme.org', 'http://127.0.0.1:3000', [])).toEqual([
      'auth',
      'acme',
    ]);
  });

  it('builds PasswordPolicyConfig from JWT_ISSUER, PUBLIC_APP_URL and the two variables', () => {
    const env = Object.assign(new Env(), {
      JWT_ISSUER: 'acme-auth',
      PUBLIC_APP_URL: 'https://login.acme.example.com',
      PASSWORD_CONTEXT_WORDS: ' Orchid , ,Blue Team',
      PASSWORD_REQUIRE_CHARACTER_CLASSES: false,
    });
    expect(configOf(env).passwordPolicy).toEqual({
      contextWords: ['acme-auth', 'login', 'acme', 'example', 'orchid', 'blue team'],
      requireCharacterClasses: false,
    });
    expect(configOf(new Env()).passwordPolicy).toEqual({
      contextWords: ['secure-nest-foundation'],
      requireCharacterClasses: true,
    });
  });
});
