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
    expect(mfa.totpIssuer).toBe('app.example.org');
    expect(webAuthn.rpName).toBe('app.example.org:8443');
    expect(database.migrateAtStart).toBe(true);
    expect(configOf(env({ NODE_ENV: 'production' })).database.migrateAtStart).toBe(false);
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
