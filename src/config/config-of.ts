import { join } from 'node:path';
import type { ValueProvider } from '@nestjs/common';
import { durationToSeconds } from '../common/time/duration';
import { CryptoOptions } from '../crypto/crypto-options';
import {
  AccountsConfig,
  AuditConfig,
  DatabaseConfig,
  HttpConfig,
  IdentityProvidersConfig,
  LoggingConfig,
  MailConfig,
  MfaConfig,
  ObservabilityConfig,
  PasswordPolicyConfig,
  RateLimitConfig,
  RedisConfig,
  SessionsConfig,
  TokensConfig,
  WebAuthnConfig,
} from './config-sections';
import type { Env } from './env.schema';
import { parseIdentityProviders } from './identity-provider-settings';
import { passwordContextWords } from './password-context-words';

/** Every section of one validated environment. */
export interface ConfigSections {
  http: HttpConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  tokens: TokensConfig;
  sessions: SessionsConfig;
  accounts: AccountsConfig;
  passwordPolicy: PasswordPolicyConfig;
  mfa: MfaConfig;
  webAuthn: WebAuthnConfig;
  rateLimit: RateLimitConfig;
  mail: MailConfig;
  logging: LoggingConfig;
  audit: AuditConfig;
  observability: ObservabilityConfig;
  crypto: CryptoOptions;
  identityProviders: IdentityProvidersConfig;
}

const built = new WeakMap<Env, ConfigSections>();

/**
 * The sections of `env`, built once per environment: an entry point and the module graph of one
 * application see the same objects (the app logger is kept per LoggingConfig).
 */
export function configOf(env: Env): ConfigSections {
  let sections = built.get(env);
  if (!sections) {
    sections = deepFreeze(buildSections(env));
    built.set(env, sections);
  }
  return sections;
}

/** AppConfigModule's providers: each section under its class. */
export function sectionProviders(env: Env): ValueProvider[] {
  const sections = configOf(env);
  return [
    { provide: HttpConfig, useValue: sections.http },
    { provide: DatabaseConfig, useValue: sections.database },
    { provide: RedisConfig, useValue: sections.redis },
    { provide: TokensConfig, useValue: sections.tokens },
    { provide: SessionsConfig, useValue: sections.sessions },
    { provide: AccountsConfig, useValue: sections.accounts },
    { provide: PasswordPolicyConfig, useValue: sections.passwordPolicy },
    { provide: MfaConfig, useValue: sections.mfa },
    { provide: WebAuthnConfig, useValue: sections.webAuthn },
    { provide: RateLimitConfig, useValue: sections.rateLimit },
    { provide: MailConfig, useValue: sections.mail },
    { provide: LoggingConfig, useValue: sections.logging },
    { provide: AuditConfig, useValue: sections.audit },
    { provide: ObservabilityConfig, useValue: sections.observability },
    { provide: CryptoOptions, useValue: sections.crypto },
    { provide: IdentityProvidersConfig, useValue: sections.identityProviders },
  ];
}

function buildSections(env: Env): ConfigSections {
  const production = env.isProduction;
  const publicUrl = new URL(publicAppUrl(env));
  return {
    http: {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: commaSeparated(env.CORS_ORIGINS),
      publicOrigin: publicUrl.origin,
      swaggerEnabled: env.SWAGGER_ENABLED ?? !production,
      accountPages: env.ACCOUNT_PAGES ?? !production,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    database: {
      url: env.DATABASE_URL,
      migrationUrl: env.DATABASE_MIGRATION_URL,
      sslCaFile: env.DATABASE_SSL_CA,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      connectAttempts: env.DB_CONNECT_ATTEMPTS,
      dataDir: env.DATA_DIR,
      migrateAtStart: !production,
    },
    redis: { url: env.REDIS_URL, required: env.REDIS_REQUIRED, caFile: env.REDIS_CA },
    tokens: {
      algorithm: env.JWT_ALGORITHM,
      secret: env.JWT_SECRET,
      rotationSeconds: durationToSeconds(env.JWT_KEY_ROTATION),
      publishAheadSeconds: durationToSeconds(env.JWT_KEY_PUBLISH_AHEAD),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: durationToSeconds(env.JWT_ACCESS_TTL),
      refreshTtlSeconds: durationToSeconds(env.JWT_REFRESH_TTL),
    },
    sessions: {
      user: {
        idleSeconds: durationToSeconds(env.SESSION_IDLE_TIMEOUT),
        maxAgeSeconds: durationToSeconds(env.SESSION_MAX_AGE),
      },
      admin: {
        idleSeconds: durationToSeconds(env.ADMIN_SESSION_IDLE_TIMEOUT),
        maxAgeSeconds: durationToSeconds(env.ADMIN_SESSION_MAX_AGE),
      },
      maxPerUser: env.MAX_SESSIONS_PER_USER,
    },
    accounts: {
      requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL ?? production,
      notifyNewSignIn: env.NOTIFY_NEW_SIGNIN,
      passwordResetTtlSeconds: durationToSeconds(env.PASSWORD_RESET_TTL),
      emailVerifyTtlSeconds: durationToSeconds(env.EMAIL_VERIFY_TTL),
      bootstrapAdmin:
        env.ADMIN_EMAIL && env.ADMIN_PASSWORD
          ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
          : undefined,
    },
    passwordPolicy: {
      contextWords: passwordContextWords(
        env.JWT_ISSUER,
        publicUrl.href,
        commaSeparated(env.PASSWORD_CONTEXT_WORDS),
      ),
      requireCharacterClasses: env.PASSWORD_REQUIRE_CHARACTER_CLASSES,
    },
    mfa: {
      requiredForAdmins: env.MFA_REQUIRED_FOR_ADMINS ?? production,
      requiredForAll: env.MFA_REQUIRED_FOR_ALL ?? false,
      stepUpMaxAgeSeconds: env.STEP_UP_MAX_AGE,
      totpIssuer: env.JWT_ISSUER,
    },
    webAuthn: {
      // The development defaults: where the service answers. Production requires both variables
      // (production-rules.ts).
      rpId: env.WEBAUTHN_RP_ID ?? publicUrl.hostname,
      // What a browser's passkey dialog names, like the authenticator app's TOTP issuer.
      rpName: env.JWT_ISSUER,
      origins: env.WEBAUTHN_ORIGINS?.length
        ? env.WEBAUTHN_ORIGINS.map((origin) => new URL(origin).origin)
        : [publicUrl.origin],
    },
    rateLimit: {
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      max: env.RATE_LIMIT_MAX,
      authMax: env.AUTH_RATE_LIMIT_MAX,
      loginFailureMax: env.LOGIN_FAILURE_MAX,
      loginFailureAccountMax: env.LOGIN_FAILURE_ACCOUNT_MAX,
      hintVariables: !production,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      smtpCaFile: env.SMTP_CA,
      from: env.MAIL_FROM,
      publicAppUrl: publicAppUrl(env),
      fileDir: join(env.DATA_DIR, 'mail'),
    },
    logging: {
      level: env.LOG_LEVEL,
      dir: env.LOG_DIR,
      nodeEnv: env.NODE_ENV,
      otlpLogsUrl: otlpLogsUrl(env),
    },
    audit: {
      hmacKey: env.AUDIT_HMAC_KEY,
      hmacKeyId: env.AUDIT_HMAC_KEY_ID,
      previousHmacKeys: env.AUDIT_HMAC_KEYS_PREVIOUS,
      retentionDays: env.AUDIT_RETENTION_DAYS,
      anchorDir: env.LOG_DIR,
    },
    observability: { metricsPort: env.METRICS_PORT },
    crypto: {
      passwordPepper: env.PASSWORD_PEPPER,
      passwordPepperId: env.PASSWORD_PEPPER_ID,
      previousPasswordPeppers: env.PASSWORD_PEPPERS_PREVIOUS,
      bcryptRounds: env.BCRYPT_ROUNDS,
      encryptionKey: env.ENCRYPTION_KEY,
      encryptionKeys: env.ENCRYPTION_KEYS,
    },
    identityProviders: {
      providers: parseIdentityProviders(env.OIDC_PROVIDERS).providers,
      publicApiUrl: publicApiUrl(env),
      publicAppUrl: publicAppUrl(env),
      extraCaFile: env.NODE_EXTRA_CA_CERTS,
    },
  };
}

/**
 * PUBLIC_APP_URL, or where this process answers (`http://localhost:PORT`) when it is unset:
 * outside production the mail links then land on the service itself. Production requires the
 * variable (production-rules.ts).
 */
export function publicAppUrl(env: Env): string {
  return env.PUBLIC_APP_URL ?? `http://localhost:${env.PORT}`;
}

/** PUBLIC_API_URL without a trailing slash, or where this process answers when it is unset. */
export function publicApiUrl(env: Env): string {
  return (env.PUBLIC_API_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, '');
}

/** The collector's logs endpoint, unless LOG_OTLP=false or there is no collector. */
function otlpLogsUrl(env: Env): string | undefined {
  const collector = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!collector || env.LOG_OTLP === false) return undefined;
  return `${collector.replace(/\/+$/, '')}/v1/logs`;
}

function commaSeparated(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (child && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
