import { parseIdentityProviders } from './identity-provider-settings';

const google = {
  id: 'google',
  name: 'Google',
  issuer: 'https://accounts.google.com',
  clientId: 'id',
  clientSecret: 'secret',
};

describe('OIDC_PROVIDERS', () => {
  it('unset or blank: no provider', () => {
    expect(parseIdentityProviders(undefined)).toEqual({ providers: [], problems: [] });
    expect(parseIdentityProviders('  ')).toEqual({ providers: [], problems: [] });
  });

  it('an OpenID provider gets the documented defaults; the issuer is kept exactly as written', () => {
    const auth0 = { ...google, id: 'auth0', issuer: 'https://tenant.eu.auth0.com/' };
    const { providers, problems } = parseIdentityProviders(JSON.stringify([google, auth0]));
    expect(problems).toEqual([]);
    expect(providers[0]).toEqual({
      type: 'oidc',
      ...google,
      scopes: 'openid email profile',
      clientAuth: 'client_secret_basic',
      allowSignUp: true,
      linkVerifiedEmail: false,
      timeoutSeconds: 10,
    });
    expect(providers[1]).toMatchObject({ issuer: 'https://tenant.eu.auth0.com/' });
  });

  it('GitHub by type (or by its id alone) gets github.com and its API; GHES hosts may be given', () => {
    const { providers } = parseIdentityProviders(
      JSON.stringify([
        { id: 'github', clientId: 'a', clientSecret: 'b' },
        {
          id: 'ghes',
          type: 'github',
          clientId: 'a',
          clientSecret: 'b',
          webUrl: 'https://git.example.org',
          apiUrl: 'https://git.example.org/api/v3',
        },
      ]),
    );
    expect(providers).toEqual([
      expect.objectContaining({
        type: 'github',
        name: 'GitHub',
        webUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
      }),
      expect.objectContaining({ id: 'ghes', webUrl: 'https://git.example.org' }),
    ]);
  });

  it.each([
    ['not JSON', '[{', 'is not valid JSON'],
    ['an object', '{}', 'must be a JSON array'],
    ['an http issuer', [{ ...google, issuer: 'http://idp.example.org' }], 'issuer must be'],
    ['an issuer with a query', [{ ...google, issuer: 'https://i.example.org/?a=1' }], 'issuer'],
    ['no client secret', [{ ...google, clientSecret: '' }], 'clientSecret is required'],
    ['a bad id', [{ ...google, id: 'Google!' }], 'id must be'],
    ['a twice-used id', [google, google], 'used twice'],
    ['scopes without openid', [{ ...google, scopes: 'email' }], 'scopes'],
    ['an unknown client auth', [{ ...google, clientAuth: 'private_key_jwt' }], 'clientAuth'],
    ['a string boolean', [{ ...google, allowSignUp: 'yes' }], 'allowSignUp'],
    ['a timeout of 0', [{ ...google, timeoutSeconds: 0 }], 'timeoutSeconds'],
    ['an unknown type', [{ ...google, type: 'saml' }], 'type must be'],
    [
      'a GitHub API over http',
      [{ id: 'github', clientId: 'a', clientSecret: 'b', apiUrl: 'http://x' }],
      'https',
    ],
  ])('refuses %s, naming the entry and the reason', (_case, value, reason) => {
    const json = typeof value === 'string' ? value : JSON.stringify(value);
    const { providers, problems } = parseIdentityProviders(json);
    expect(problems.join('; ')).toContain(reason);
    if (Array.isArray(value) && value.length === 1) expect(providers).toEqual([]);
  });
});
