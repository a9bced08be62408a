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
} from 'class-validator';
import { toBoolean, toInteger } from '../common/validation/transforms';
import { IsMailFrom, IsSmtpUrl } from './mail-validators';

/** Every variable of the Environment table (docs/API.md), and nothing else, is read from the process environment. */
export const ENV_VARIABLES = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'DATA_DIR',
  'DATABASE_URL',
  'DATABASE_SSL_CA',
  'REDIS_URL',
  'JWT_SECRET',
  'JWT_REFRESH_SECRET',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_ACCESS_TTL',
  'JWT_REFRESH_TTL',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS',
  'PASSWORD_PEPPER',
  'BCRYPT_ROUNDS',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'RATE_LIMIT_WINDOW_MS',
  'RATE_LIMIT_MAX',
  'AUTH_RATE_LIMIT_MAX',
  'LOGIN_FAILURE_MAX',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'LOG_LEVEL',
  'LOG_DIR',
  'SWAGGER_ENABLED',
  'AUDIT_RETENTION_DAYS',
  'AUDIT_HMAC_KEY',
  'DATABASE_MIGRATION_URL',
  'LOGIN_FAILURE_ACCOUNT_MAX',
  'PUBLIC_APP_URL',
  'DB_STATEMENT_TIMEOUT_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'REDIS_REQUIRED',
  'METRICS_PORT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'MFA_REQUIRED_FOR_ADMINS',
  'WEBAUTHN_RP_ID',
  'WEBAUTHN_ORIGINS',
  'SMTP_URL',
  'SMTP_CA',
  'MAIL_FROM',
  'PASSWORD_RESET_TTL',
  'EMAIL_VERIFY_TTL',
  'REQUIRE_VERIFIED_EMAIL',
  'NOTIFY_NEW_SIGNIN',
  'STEP_UP_MAX_AGE',
] as const;

const DURATION = /^\d+(ms|s|m|h|d)?$/;

/**
 * Every environment variable the service reads, with its default outside production.
 * Production-only rules (required secrets, TLS to the database) live in production-rules.ts.
 */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  DATA_DIR = './.data';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATABASE_SSL_CA?: string;

  /**
   * The longest any statement may run, and the longest a request waits for a pooled connection,
   * before it answers 503: a locked table or a stalled database never holds a request longer.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 10_000;

  /** How long a SIGTERM waits for requests in flight before closing their connections anyway. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** The schema owner, used only for migrations; then the DATABASE_URL role owns nothing. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /**
   * false: a configured Redis that is down leaves readiness 200 (every instance counts in memory
   * meanwhile); true: readiness answers 503 while Redis is down.
   */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  REDIS_REQUIRED = false;

  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  JWT_SECRET!: string;

  /**
   * Validated like the other secrets, but not used to sign anything: refresh tokens are opaque 256-bit
   * random values stored as SHA-256 (sessions/), so there is no refresh JWT to sign.
   */
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  JWT_REFRESH_SECRET!: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'secure-nest-foundation';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'secure-nest-foundation-api';

  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_ACCESS_TTL = '15m';

  @Matches(DURATION, { message: 'must be a duration such as 900s, 15m, 12h or 7d' })
  JWT_REFRESH_TTL = '7d';

  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (32 bytes)' })
  ENCRYPTION_KEY?: string;

  @IsOptional()
  @IsString()
  ENCRYPTION_KEYS?: string;

  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  PASSWORD_PEPPER!: string;

  @Transform(toInteger)
  @IsInt()
  @Min(4)
  @Max(31)
  BCRYPT_ROUNDS = 12;

  @IsOptional()
  @IsString()
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  RATE_LIMIT_WINDOW_MS = 900_000;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 100;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_MAX = 5;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_MAX = 5;

  /** Failures per account from all networks together: one network cannot lock the owner out everywhere. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_ACCOUNT_MAX = 50;

  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @IsIn(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'])
  LOG_LEVEL = 'info';

  @IsString()
  LOG_DIR = './logs';

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  SWAGGER_ENABLED?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS?: number;

  /** Keys the audit hash chain; never stored in the database. */
  @IsString()
  @MinLength(32, { message: 'must be at least 32 bytes' })
  AUDIT_HMAC_KEY!: string;

  /** Where users reach the service: links in mail, and the service's own origin. */
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
  PUBLIC_APP_URL = 'http://127.0.0.1:3000';
  /** Prometheus text on 127.0.0.1:METRICS_PORT/metrics (never on the API port); unset: no listener. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  /** OTLP/HTTP collector base URL (traces go to `<url>/v1/traces`); unset: tracing is not even loaded. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s?#]+$/, {
    message: 'must be an http:// or https:// URL without query or fragment',
  })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** Admin routes refuse an access token whose `amr` holds no second factor; default: on in production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MFA_REQUIRED_FOR_ADMINS?: boolean;

  /** The WebAuthn relying party id (a domain); `localhost` outside production, required in it. */
  @IsOptional()
  @IsFQDN(
    { require_tld: false, allow_trailing_dot: false },
    { message: 'must be a domain name such as example.org (no scheme, port or path)' },
  )
  WEBAUTHN_RP_ID?: string;

  /** Origins a passkey ceremony may come from, comma-separated; `http://localhost:3000` outside production, required in it. */
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

  @IsOptional()
  @IsSmtpUrl()
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  SMTP_CA?: string;

  @IsOptional()
  @IsMailFrom()
  MAIL_FROM?: string;

  /** How long a password-reset link works. */
  @Matches(DURATION, { message: 'must be a duration such as 900s, 30m, 12h or 1d' })
  PASSWORD_RESET_TTL = '30m';

  /** How long an email verification or email change link works. */
  @Matches(DURATION, { message: 'must be a duration such as 900s, 30m, 24h or 1d' })
  EMAIL_VERIFY_TTL = '24h';

  /** Unset: true in production, false otherwise (read `requireVerifiedEmail`). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  REQUIRE_VERIFIED_EMAIL?: boolean;

  /** A notice to the account's address on a sign-in from a device and network not seen in 90 days. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  NOTIFY_NEW_SIGNIN = true;

  /**
   * Seconds a session's last proof (password or second factor) stands in for a proof in the body of
   * a sensitive operation (ending sessions, sensitive data, admin changes); 0: always ask. Credential
   * changes never use it.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  STEP_UP_MAX_AGE = 300;

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get requireVerifiedEmail(): boolean {
    return this.REQUIRE_VERIFIED_EMAIL ?? this.isProduction;
  }

  get swaggerEnabled(): boolean {
    return this.SWAGGER_ENABLED ?? !this.isProduction;
  }

  /** The service's own origin (from PUBLIC_APP_URL, never from a request header). */
  get publicOrigin(): string {
    return new URL(this.PUBLIC_APP_URL).origin;
  }

  get mfaRequiredForAdmins(): boolean {
    return this.MFA_REQUIRED_FOR_ADMINS ?? this.isProduction;
  }

  /** The development default; production requires WEBAUTHN_RP_ID (production-rules.ts). */
  get webauthnRpId(): string {
    return this.WEBAUTHN_RP_ID ?? 'localhost';
  }

  get webauthnOrigins(): string[] {
    if (!this.WEBAUTHN_ORIGINS?.length) return ['http://localhost:3000'];
    return this.WEBAUTHN_ORIGINS.map((origin) => new URL(origin).origin);
  }

  get corsOrigins(): string[] {
    return (this.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  }
}
