import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsFQDN,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { toBoolean, toInteger } from '../common/validation/transforms';
import { declaredVariables, EnvVariable } from './env-variable.decorator';
import { IsIdentityProviderList } from './identity-provider-settings';
import { IsMailFrom, IsSmtpUrl } from './mail-validators';

const DURATION = /^\d+(ms|s|m|h|d)?$/;

/**
 * Every environment variable the service reads, declared once: name, type, default outside
 * production, validation and a one-line description. Production-only rules (required secrets, TLS
 * to the database) live in production-rules.ts; modules read typed sections (config-sections.ts).
 */
export class Env {
  @EnvVariable('development, production (the strict rules of production-rules.ts) or test.')
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @EnvVariable('The interface the API listens on.')
  @IsString()
  HOST = '127.0.0.1';

  @EnvVariable('The port the API listens on.')
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @EnvVariable(
    'Development only: the embedded PostgreSQL, its TLS material, dev secrets and mail files.',
  )
  @IsString()
  DATA_DIR = './.data';

  @EnvVariable(
    'PostgreSQL of the application role; unset outside production: the embedded cluster.',
    { secret: true },
  )
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @EnvVariable(
    'Path to the PEM CA bundle that signs the database certificate (system CAs when unset).',
  )
  @IsOptional()
  @IsString()
  DATABASE_SSL_CA?: string;

  @EnvVariable(
    'The longest a statement runs, or a request waits for a pooled connection, before a 503.',
  )
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 10_000;

  @EnvVariable(
    'How many times the start tries to reach the database, 3 s apart, before it exits 1.',
  )
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  DB_CONNECT_ATTEMPTS = 10;

  @EnvVariable(
    'How long a SIGTERM waits for requests in flight before closing their connections anyway.',
  )
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @EnvVariable(
    'The schema owner, used only for migrations; then the DATABASE_URL role owns nothing.',
    { secret: true },
  )
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  @EnvVariable(
    'Redis for shared rate-limit counters and the audit anchor; unset: in-process counters.',
    { secret: true },
  )
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @EnvVariable(
    'Path to the PEM CA bundle of a rediss:// server with a private CA (system CAs when unset).',
  )
  @IsOptional()
  @IsString()
  REDIS_CA?: string;

  @EnvVariable(
    'true: readiness answers 503 while a configured Redis is down (false: stay ready, count in memory).',
  )
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  REDIS_REQUIRED = false;

  @EnvVariable(
    'How access tokens are signed: EdDSA (Ed25519, keys in the database), ES256 (P-256, likewise) or HS256 (JWT_SECRET).',
  )
  @IsIn(['EdDSA', 'ES256', 'HS256'], { message: 'must be EdDSA, ES256 or HS256' })
  JWT_ALGORITHM: 'EdDSA' | 'ES256' | 'HS256' = 'EdDSA';

  @EnvVariable(
    'HMAC key of the access tokens; used, and required in production, only with JWT_ALGORITHM=HS256.',
    {
      secret: true,
    },
  )
  @ValidateIf((env: Env) => env.JWT_ALGORITHM === 'HS256' || env.JWT_SECRET !== undefined)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  JWT_SECRET?: string;

  @EnvVariable(
    'A new signing key is made this long after the current one started signing (a duration).',
  )
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_KEY_ROTATION = '30d';

  @EnvVariable(
    'A new signing key is in the JWKS this long before it signs; longer than the JWKS cache (300 s) (a duration).',
  )
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_KEY_PUBLISH_AHEAD = '10m';

  @EnvVariable(
    'Validated like the other secrets but signs nothing: refresh tokens are opaque random values.',
    { secret: true },
  )
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  JWT_REFRESH_SECRET!: string;

  @EnvVariable('The `iss` of every access token, checked on every request.')
  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'secure-nest-foundation';

  @EnvVariable('The `aud` of every access token, checked on every request.')
  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'secure-nest-foundation-api';

  @EnvVariable('Lifetime of an access token (a duration: 900s, 15m, 12h, 7d).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_ACCESS_TTL = '15m';

  @EnvVariable('Lifetime of one refresh token; its session may end sooner (a duration).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_REFRESH_TTL = '7d';

  @EnvVariable('A session ends this long after its last refresh or sign-in (a duration).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  SESSION_IDLE_TIMEOUT = '3d';

  @EnvVariable('A session ends this long after its sign-in, refreshed or not (a duration).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  SESSION_MAX_AGE = '30d';

  @EnvVariable("SESSION_IDLE_TIMEOUT for an admin's sessions (a duration).")
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  ADMIN_SESSION_IDLE_TIMEOUT = '1h';

  @EnvVariable("SESSION_MAX_AGE for an admin's sessions (a duration).")
  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  ADMIN_SESSION_MAX_AGE = '12h';

  @EnvVariable('Live sessions per user; one more ends the least recently used.')
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAX_SESSIONS_PER_USER = 20;

  @EnvVariable('AES-256-GCM key of the sensitive fields: 64 hex characters.', { secret: true })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (32 bytes)' })
  ENCRYPTION_KEY?: string;

  @EnvVariable('Keyring for rotation, `id:hex,id:hex`: the first encrypts, every one decrypts.', {
    secret: true,
  })
  @IsOptional()
  @IsString()
  ENCRYPTION_KEYS?: string;

  @EnvVariable(
    'HMAC key applied to passwords before bcrypt (and to device and network fingerprints).',
    { secret: true },
  )
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  PASSWORD_PEPPER!: string;

  @EnvVariable('The id new password hashes record for PASSWORD_PEPPER; change it when you rotate.')
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'must match [A-Za-z0-9_-]{1,32}' })
  PASSWORD_PEPPER_ID = 'p1';

  @EnvVariable(
    'Retired peppers, `id:secret,id:secret`: their hashes still verify and are renewed at sign-in.',
    { secret: true },
  )
  @IsOptional()
  @IsString()
  PASSWORD_PEPPERS_PREVIOUS?: string;

  @EnvVariable('bcrypt cost of new password hashes; older costs are rehashed at login.')
  @Transform(toInteger)
  @IsInt()
  @Min(4)
  @Max(31)
  BCRYPT_ROUNDS = 12;

  @EnvVariable('With ADMIN_PASSWORD: an admin created at start when no user has this address.')
  @IsOptional()
  @IsString()
  ADMIN_EMAIL?: string;

  @EnvVariable('The password of the ADMIN_EMAIL admin (the password policy applies).', {
    secret: true,
  })
  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @EnvVariable('The window of every rate limit, in milliseconds.')
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  RATE_LIMIT_WINDOW_MS = 900_000;

  @EnvVariable('Requests per client IP per window.')
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 100;

  @EnvVariable('Requests per client IP per window on the credential routes.')
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_MAX = 5;

  @EnvVariable('Failed logins (or second factors) per account and network (/24 or /64) per window.')
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_MAX = 5;

  @EnvVariable('Failed logins per account from all networks together per window.')
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_ACCOUNT_MAX = 50;

  @EnvVariable(
    'Proxies whose X-Forwarded-For is trusted (e.g. loopback or a CIDR list); unset: none.',
  )
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @EnvVariable('Comma-separated origins allowed to call the API from a browser; unset: none.')
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @EnvVariable('error, warn, info, http, verbose, debug or silly.')
  @IsIn(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'])
  LOG_LEVEL = 'info';

  @EnvVariable('Directory of app.log, security.log and the audit anchor.')
  @IsString()
  LOG_DIR = './logs';

  @EnvVariable(
    'Swagger UI at /docs and the document at /docs-json; default: on outside production.',
  )
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  SWAGGER_ENABLED?: boolean;

  @EnvVariable(
    'The account pages (/sign-in, /register, /account…) and their assets; default: on outside production.',
  )
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  ACCOUNT_PAGES?: boolean;

  @EnvVariable('Days of audit trail to keep; unset: keep everything.')
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS?: number;

  @EnvVariable('Keys the audit hash chain and its anchor; never stored in the database.', {
    secret: true,
  })
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  AUDIT_HMAC_KEY!: string;

  @EnvVariable('The id events chained under AUDIT_HMAC_KEY record; change it when you rotate.')
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'must match [A-Za-z0-9_-]{1,32}' })
  AUDIT_HMAC_KEY_ID = 'a1';

  @EnvVariable(
    'Retired audit keys, `id:secret,id:secret`: events chained under them still verify.',
    {
      secret: true,
    },
  )
  @IsOptional()
  @IsString()
  AUDIT_HMAC_KEYS_PREVIOUS?: string;

  @EnvVariable(
    'Where users reach the service: links in mail, its own origin; default http://localhost:PORT.',
  )
  @IsOptional()
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_tld: false,
      allow_query_components: false,
      allow_fragments: false,
    },
    {
      message: 'must be an http(s) URL such as https://app.example.org, without query or fragment',
    },
  )
  /** Outside production, unset means `http://localhost:PORT`: see publicAppUrl() in config-of. */
  PUBLIC_APP_URL?: string;

  @EnvVariable(
    'Where the API is reached from outside: identity providers call back there; default http://127.0.0.1:PORT.',
  )
  @IsOptional()
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_tld: false,
      allow_query_components: false,
      allow_fragments: false,
    },
    {
      message: 'must be an http(s) URL such as https://api.example.org, without query or fragment',
    },
  )
  /** Outside production, unset means `http://127.0.0.1:PORT`: see publicApiUrl() in config-of. */
  PUBLIC_API_URL?: string;

  @EnvVariable(
    'Identity providers to sign in with: a JSON array of OpenID Connect providers and GitHub; unset: none.',
    { secret: true },
  )
  @IsOptional()
  @IsIdentityProviderList()
  OIDC_PROVIDERS?: string;

  @EnvVariable(
    "Node's own: a PEM bundle trusted besides the system CAs, also by the identity-provider client.",
  )
  @IsOptional()
  @IsString()
  NODE_EXTRA_CA_CERTS?: string;

  @EnvVariable(
    'Prometheus text on 127.0.0.1:METRICS_PORT/metrics (never the API port); unset: no listener.',
  )
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  @EnvVariable(
    'OTLP/HTTP collector base URL (traces to `<url>/v1/traces`, the security log to `<url>/v1/logs`); unset: neither.',
  )
  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, {
    message: 'must be an http:// or https:// URL without query or fragment',
  })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @EnvVariable(
    'Security log also to the OTLP collector (`<url>/v1/logs`); default: on when OTEL_EXPORTER_OTLP_ENDPOINT is set.',
  )
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  LOG_OTLP?: boolean;

  @EnvVariable(
    'Admin routes refuse a token whose `amr` holds no second factor; default: on in production.',
  )
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MFA_REQUIRED_FOR_ADMINS?: boolean;

  @EnvVariable(
    'Every route refuses (403) a token whose `amr` holds no second factor, except those that enrol one; default false.',
  )
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MFA_REQUIRED_FOR_ALL?: boolean;

  @EnvVariable(
    'The WebAuthn relying party id, a domain; default the PUBLIC_APP_URL host, required in production.',
  )
  @IsOptional()
  @IsFQDN(
    { require_tld: false, allow_trailing_dot: false },
    { message: 'must be a domain name such as example.org (no scheme, port or path)' },
  )
  WEBAUTHN_RP_ID?: string;

  @EnvVariable(
    'Origins a passkey ceremony may come from, comma-separated; default the PUBLIC_APP_URL origin.',
  )
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean)
      : value,
  )
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    {
      each: true,
      message: 'must be a comma-separated list of origins such as https://app.example.org',
    },
  )
  WEBAUTHN_ORIGINS?: string[];

  @EnvVariable(
    'smtp:// (STARTTLS required) or smtps:// relay; unset outside production: mail written to DATA_DIR/mail.',
    { secret: true },
  )
  @IsOptional()
  @IsSmtpUrl()
  SMTP_URL?: string;

  @EnvVariable('Path to the PEM CA bundle of a relay with a private CA (system CAs when unset).')
  @IsOptional()
  @IsString()
  SMTP_CA?: string;

  @EnvVariable('The sender: an address or "Name" <address>; required in production.')
  @IsOptional()
  @IsMailFrom()
  MAIL_FROM?: string;

  @EnvVariable('How long a password-reset link works (a duration).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 30m, 12h or 1d' })
  PASSWORD_RESET_TTL = '30m';

  @EnvVariable('How long an email verification or email change link works (a duration).')
  @Matches(DURATION, { message: 'must be a duration such as 900s, 30m, 24h or 1d' })
  EMAIL_VERIFY_TTL = '24h';

  @EnvVariable('A login with an unverified address is refused; default: on in production.')
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  REQUIRE_VERIFIED_EMAIL?: boolean;

  @EnvVariable('Mail the account on a sign-in from a device and network not seen in 90 days.')
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  NOTIFY_NEW_SIGNIN = true;

  @EnvVariable(
    "Seconds a session's last proof stands in for a proof in a sensitive operation; 0: always ask.",
  )
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  STEP_UP_MAX_AGE = 300;

  @EnvVariable(
    'Comma-separated words no password may contain, besides JWT_ISSUER and the PUBLIC_APP_URL host.',
  )
  @IsOptional()
  @IsString()
  PASSWORD_CONTEXT_WORDS?: string;

  @EnvVariable(
    'true: a password needs upper case, lower case, a digit and a special; false: ASVS 6.2.5.',
  )
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  PASSWORD_REQUIRE_CHARACTER_CLASSES = true;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

/**
 * Every declared variable, and nothing else, is read from the process environment (load-env.ts);
 * docs/CONFIGURATION.md, docs/API.md and .env.example list the same names (env-docs.spec.ts).
 */
export const ENV_VARIABLES = declaredVariables(Env).map(({ name }) => name as EnvVariableName);

export type EnvVariableName = Exclude<keyof Env, 'isProduction'>;

/** The secrets: each may instead be read from the file named by `<NAME>_FILE` (load-env.ts). */
export const SECRET_VARIABLES = declaredVariables(Env)
  .filter(({ secret }) => secret)
  .map(({ name }) => name as EnvVariableName);
