import { CryptoOptions } from '../crypto/crypto-options';
import { configOf, sectionProviders } from './config-of';
import { HttpConfig, TokensConfig } from './config-sections';
import { Env } from './env.schema';

const env = (fields: Partial<Env> = {}): Env => Object.assign(new Env(), fields);

describe('configOf', () => {
  it('builds the sections once per environment, read-only', () => {
    const e = env({ CORS_ORIGINS: 'https://a.example.org' });
    const sections = configOf(e);
    expect(configOf(e)).toBe(sections);
    expect(Object.isFrozen(sections.http)).toBe(true);
    expect(Object.isFrozen(sections.http.corsOrigins)).toBe(true);
    expect(configOf(env())).not.toBe(sections);
  });

  it('converts to the units the code uses and derives what the environment leaves implicit', () => {
    const { tokens, accounts, http, mfa, webAuthn, database } = configOf(
      env({
        JWT_ACCESS_TTL: '10m',
        JWT_REFRESH_TTL: '2d',
        PASSWORD_RESET_TTL: '900s',
        PUBLIC_APP_URL: 'https://app.example.org:8443/base/',
        CORS_ORIGINS: ' https://a.example.org, ,https://b.example.org',
        ADMIN_EMAIL: 'admin@example.org',
      }),
    );
    expect(tokens).toMatchObject({ accessTtlSeconds: 600, refreshTtlSeconds: 172_800 });
    expect(accounts).toMatchObject({ passwordResetTtlSeconds: 900, emailVerifyTtlSeconds: 86_400 });
    expect(accounts.bootstrapAdmin).toBeUndefined(); // the password is missing
    expect(http.publicOrigin).toBe('https://app.example.org:8443');
    expect(http.corsOrigins).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(mfa.totpIssuer).toBe('secure-nest-foundation'); // JWT_ISSUER, not the URL's host
    expect(webAuthn).toEqual({
      rpId: 'app.example.org',
      rpName: 'secure-nest-foundation', // the service's name, as the TOTP issuer
      origins: ['https://app.example.org:8443'],
    });
    expect(database.migrateAtStart).toBe(true);
    expect(configOf(env({ NODE_ENV: 'production' })).database.migrateAtStart).toBe(false);
    // A 429 names the variable that raises its limit outside production only.
    expect(configOf(env()).rateLimit.hintVariables).toBe(true);
    expect(configOf(env({ NODE_ENV: 'production' })).rateLimit.hintVariables).toBe(false);
  });

  it('names the service in an authenticator app by JWT_ISSUER', () => {
    const { mfa } = configOf(
      env({ JWT_ISSUER: 'Orchid Bank', PUBLIC_APP_URL: 'https://app.orchid-bank.test' }),
    );
    expect(mfa.totpIssuer).toBe('Orchid Bank');
  });

  it('outside production, follows PORT: links, origin and relying party on http://localhost:PORT', () => {
    const { http, mail, webAuthn } = configOf(env({ PORT: 4123 }));
    expect(mail.publicAppUrl).toBe('http://localhost:4123');
    expect(http.publicOrigin).toBe('http://localhost:4123');
    expect(webAuthn).toMatchObject({ rpId: 'localhost', origins: ['http://localhost:4123'] });
    expect(configOf(env()).mail.publicAppUrl).toBe('http://localhost:3000');
  });

  it('provides each section under its class, crypto under its own token', () => {
    const e = env({ PASSWORD_PEPPER: 'p'.repeat(32) });
    const byToken = new Map(
      sectionProviders(e).map(({ provide, useValue }) => [provide, useValue]),
    );
    expect(byToken.get(HttpConfig)).toBe(configOf(e).http);
    expect(byToken.get(TokensConfig)).toBe(configOf(e).tokens);
    expect(byToken.get(CryptoOptions)).toMatchObject({
      passwordPepper: 'p'.repeat(32),
      bcryptRounds: 12,
    });
  });
});
