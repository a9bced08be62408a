import type { IdentityProviderSettings } from './identity-provider-settings';

/*
 * The validated environment cut into the sections modules read: each is an injection token
 * (AppConfigModule provides them, built by config-of.ts), read-only, in the units the code uses.
 * A service injects the sections it needs, never the whole environment. The crypto services'
 * section is crypto/crypto-options.ts: crypto/ imports nothing from config/.
 */

/** The HTTP server: where it listens, whom it trusts, its own origin (main.ts, app.setup.ts). */
export abstract class HttpConfig {
  abstract readonly host: string;
  abstract readonly port: number;
  /** TRUST_PROXY as given; undefined: trust no proxy. */
  abstract readonly trustProxy?: string;
  /** Origins allowed to call the API from a browser (CORS, and the refresh cookie's origin check). */
  abstract readonly corsOrigins: readonly string[];
  /** The service's own origin, from PUBLIC_APP_URL (never from a request header). */
  abstract readonly publicOrigin: string;
  abstract readonly swaggerEnabled: boolean;
  /** The account pages (src/account-pages/) are served: ACCOUNT_PAGES, default on outside production. */
  abstract readonly accountPages: boolean;
  abstract readonly shutdownTimeoutMs: number;
}

/** PostgreSQL: an external server over verified TLS, or the embedded cluster (database/). */
export abstract class DatabaseConfig {
  /** The application role's URL; undefined: the embedded cluster. */
  abstract readonly url?: string;
  /** The schema owner's URL, used only for migrations. */
  abstract readonly migrationUrl?: string;
  /** Path of the CA bundle of an external server; undefined: the system CAs. */
  abstract readonly sslCaFile?: string;
  abstract readonly statementTimeoutMs: number;
  /** Tries to reach the database at start-up (3 s apart): a database that starts later is waited for. */
  abstract readonly connectAttempts: number;
  /** Where the embedded cluster lives (DATA_DIR, absolute). */
  abstract readonly dataDir: string;
  /** Outside production the start migrates; in production migrations are a release step. */
  abstract readonly migrateAtStart: boolean;
}

/** The shared Redis (redis/, health/). */
export abstract class RedisConfig {
  /** undefined: no Redis, in-process counters. */
  abstract readonly url?: string;
  /** Readiness answers 503 while a configured Redis is down. */
  abstract readonly required: boolean;
  /** PEM CA bundle for a rediss:// server with a private CA; undefined: the system CAs. */
  abstract readonly caFile?: string;
}

/** Access tokens (HS256 JWTs) and refresh tokens (auth/, sessions/). */
export abstract class TokensConfig {
  /** How access tokens are signed: EdDSA and ES256 with keys in the database, HS256 with `secret`. */
  abstract readonly algorithm: 'EdDSA' | 'ES256' | 'HS256';
  /** JWT_SECRET: set in production only with HS256. */
  abstract readonly secret: string | undefined;
  /** A signing key's successor is made this long after it started signing. */
  abstract readonly rotationSeconds: number;
  /** A successor is published this long before it signs. */
  abstract readonly publishAheadSeconds: number;
  abstract readonly issuer: string;
  abstract readonly audience: string;
  abstract readonly accessTtlSeconds: number;
  abstract readonly refreshTtlSeconds: number;
}

/** How long one session's deadlines run, for a role (seconds). */
export interface SessionLifetime {
  /** From the last refresh or the sign-in. */
  readonly idleSeconds: number;
  /** From the sign-in. */
  readonly maxAgeSeconds: number;
}

/** Session lifetimes and the per-user limit (sessions/). */
export abstract class SessionsConfig {
  abstract readonly user: SessionLifetime;
  abstract readonly admin: SessionLifetime;
  abstract readonly maxPerUser: number;
}

/** Registration, sign-in checks, account links and the first admin (auth/, auth/lifecycle/). */
export abstract class AccountsConfig {
  abstract readonly requireVerifiedEmail: boolean;
  abstract readonly notifyNewSignIn: boolean;
  abstract readonly passwordResetTtlSeconds: number;
  abstract readonly emailVerifyTtlSeconds: number;
  /** ADMIN_EMAIL and ADMIN_PASSWORD, when both are set. */
  abstract readonly bootstrapAdmin?: { readonly email: string; readonly password: string };
}

/** The password policy's choices (account/password-policy.ts). */
export abstract class PasswordPolicyConfig {
  /**
   * Lower-case words no password may contain: JWT_ISSUER, the labels of the PUBLIC_APP_URL host
   * (password-context-words.ts) and PASSWORD_CONTEXT_WORDS.
   */
  abstract readonly contextWords: readonly string[];
  /** PASSWORD_REQUIRE_CHARACTER_CLASSES. */
  abstract readonly requireCharacterClasses: boolean;
}

/** Second factors and step-up (mfa/, the roles guard). */
export abstract class MfaConfig {
  abstract readonly requiredForAdmins: boolean;
  /** MFA_REQUIRED_FOR_ALL: every route but enrolment needs a two-factor session. */
  abstract readonly requiredForAll: boolean;
  abstract readonly stepUpMaxAgeSeconds: number;
  /** The issuer an authenticator app shows: the service's name, JWT_ISSUER. */
  abstract readonly totpIssuer: string;
}

/** The passkey relying party (mfa/passkeys/). */
export abstract class WebAuthnConfig {
  abstract readonly rpId: string;
  /** The name an authenticator shows: PUBLIC_APP_URL's host. */
  abstract readonly rpName: string;
  abstract readonly origins: readonly string[];
}

/** Request and failure limits (rate-limit/). */
export abstract class RateLimitConfig {
  abstract readonly windowMs: number;
  abstract readonly max: number;
  abstract readonly authMax: number;
  abstract readonly loginFailureMax: number;
  abstract readonly loginFailureAccountMax: number;
  /** Outside production: a 429 names the variable that raises its limit (rate-limit/limit-hint.ts). */
  abstract readonly hintVariables: boolean;
}

/** The relay, the sender and the links of every mail (mail/). */
export abstract class MailConfig {
  /** undefined: each mail is written to `fileDir` as .eml. */
  abstract readonly smtpUrl?: string;
  abstract readonly smtpCaFile?: string;
  /** MAIL_FROM as given; undefined: the default sender. */
  abstract readonly from?: string;
  /** Every link in a mail starts with it. */
  abstract readonly publicAppUrl: string;
  /** DATA_DIR/mail (absolute). */
  abstract readonly fileDir: string;
}

/** The application log and the security log (logging/). */
export abstract class LoggingConfig {
  abstract readonly level: string;
  /** Absolute. */
  abstract readonly dir: string;
  /** Chooses the console format. */
  abstract readonly nodeEnv: string;
  /** Where the security log is also sent as OTLP log records (`<collector>/v1/logs`); undefined: not sent. */
  abstract readonly otlpLogsUrl?: string;
}

/** The audit trail (audit/). */
export abstract class AuditConfig {
  abstract readonly hmacKey: string;
  /** The id new events record for hmacKey (default "a1", the id of events that record none). */
  abstract readonly hmacKeyId?: string;
  /** Retired keys `id:secret,id:secret`: events chained under them still verify. */
  abstract readonly previousHmacKeys?: string;
  /** undefined: keep everything. */
  abstract readonly retentionDays?: number;
  /** Where the anchor file lives: LOG_DIR (absolute). */
  abstract readonly anchorDir: string;
}

/** Metrics (observability/); tracing reads its variable before anything loads (tracing.ts). */
export abstract class ObservabilityConfig {
  /** undefined: no metrics listener. */
  abstract readonly metricsPort?: number;
}

/** Sign-in with identity providers (sign-in/providers/): OIDC_PROVIDERS and where callbacks land. */
export abstract class IdentityProvidersConfig {
  abstract readonly providers: readonly IdentityProviderSettings[];
  /** PUBLIC_API_URL: the external base of `/api/auth/oidc/<id>/callback`. */
  abstract readonly publicApiUrl: string;
  /** PUBLIC_APP_URL: where the browser lands (`/signed-in#…`, `/settings#…`). */
  abstract readonly publicAppUrl: string;
  /** NODE_EXTRA_CA_CERTS: trusted besides the system CAs on calls to the providers. */
  abstract readonly extraCaFile?: string;
}
