import { isIP } from 'node:net';
import type { Env } from './env.schema';

const PLACEHOLDER =
  /change[-_ ]?me|replace[-_ ]?me|placeholder|example|secret|password|^x+$|^(.)\1+$/i;
const INSECURE_SSLMODES = new Set(['disable', 'allow', 'prefer', 'require', 'no-verify']);

function weakSecret(value: string | undefined): string | undefined {
  if (!value) return 'is required in production';
  if (Buffer.byteLength(value) < 32) return 'must be at least 32 bytes';
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder; generate a random value';
  if (new Set(value).size < 10) return 'has too little variety to be random';
  return undefined;
}

/**
 * A 64-hex-character key that no generator would produce: too few distinct digits (`000…0`,
 * `abab…`), or a short pattern repeated (`deadbeef` × 8, `0123…ef` × 4).
 */
function weakKey(hex: string): string | undefined {
  if (new Set(hex.toLowerCase()).size < 8) return 'has too little variety to be random';
  for (let period = 1; period <= 16; period++) {
    if (hex.length % period === 0 && hex.slice(0, period).repeat(hex.length / period) === hex)
      return 'is a repeated pattern, not a random key';
  }
  return undefined;
}

/** Every key of the keyring: ENCRYPTION_KEY, or each `id:hex` of ENCRYPTION_KEYS. */
function encryptionKeyProblems(env: Env): string[] {
  if (env.ENCRYPTION_KEYS) {
    return env.ENCRYPTION_KEYS.split(',').flatMap((entry) => {
      const [id, hex] = entry
        .trim()
        .split(':')
        .map((part) => part?.trim() ?? '');
      const problem = hex ? weakKey(hex) : undefined;
      return problem ? [`ENCRYPTION_KEYS key "${id}" ${problem}`] : [];
    });
  }
  if (!env.ENCRYPTION_KEY)
    return ['ENCRYPTION_KEY is required in production (64 hex characters), or set ENCRYPTION_KEYS'];
  const problem = weakKey(env.ENCRYPTION_KEY);
  return problem ? [`ENCRYPTION_KEY ${problem}`] : [];
}

/**
 * Rules that apply only when NODE_ENV=production: nothing is generated, every secret is given,
 * strong and distinct, and the database connection verifies TLS. Returns one line per problem.
 */
export function productionProblems(env: Env, raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const check = (name: keyof Env, problem: string | undefined): void => {
    if (problem) problems.push(`${name} ${problem}`);
  };
  // JWT_SECRET signs only with HS256; the asymmetric algorithms keep their keys in the database.
  const secrets = [
    ...(env.JWT_ALGORITHM === 'HS256' ? (['JWT_SECRET'] as const) : []),
    'JWT_REFRESH_SECRET',
    'PASSWORD_PEPPER',
    'AUDIT_HMAC_KEY',
  ] as const;
  for (const name of secrets) check(name, weakSecret(env[name]));
  secrets.forEach((name, i) => {
    const twin = secrets.slice(0, i).find((other) => env[other] && env[other] === env[name]);
    if (twin) problems.push(`${name} must differ from ${twin}`);
  });
  problems.push(...encryptionKeyProblems(env));
  if (env.BCRYPT_ROUNDS < 12) problems.push('BCRYPT_ROUNDS must be at least 12 in production');
  if (!raw.JWT_ISSUER) problems.push('JWT_ISSUER is required in production');
  if (!raw.JWT_AUDIENCE) problems.push('JWT_AUDIENCE is required in production');
  if (!env.PUBLIC_APP_URL) problems.push('PUBLIC_APP_URL is required in production');
  else if (!env.PUBLIC_APP_URL.startsWith('https://'))
    problems.push('PUBLIC_APP_URL must be an https:// URL in production');
  if (!env.PUBLIC_API_URL) problems.push('PUBLIC_API_URL is required in production');
  else if (!env.PUBLIC_API_URL.startsWith('https://'))
    problems.push('PUBLIC_API_URL must be an https:// URL in production');
  problems.push(...databaseUrlProblems('DATABASE_URL', env.DATABASE_URL, true));
  problems.push(
    ...databaseUrlProblems('DATABASE_MIGRATION_URL', env.DATABASE_MIGRATION_URL, false),
  );
  problems.push(...mailProblems(env));
  problems.push(...serviceUrlProblems(env));
  if (!env.WEBAUTHN_RP_ID)
    problems.push('WEBAUTHN_RP_ID is required in production (e.g. example.org)');
  if (!env.WEBAUTHN_ORIGINS?.length)
    problems.push('WEBAUTHN_ORIGINS is required in production (e.g. https://app.example.org)');
  return problems;
}

/** Mail must leave through a real relay (verified TLS, see src/mail/), from a named sender. */
function mailProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.SMTP_URL)
    problems.push('SMTP_URL is required in production (smtps:// or smtp:// with STARTTLS)');
  if (!env.MAIL_FROM) problems.push('MAIL_FROM is required in production');
  return problems;
}

/** 127.0.0.0/8, ::1 or localhost: traffic that never leaves the host needs no TLS. */
function isLoopbackHost(hostname: string): boolean {
  // URL keeps IPv6 in brackets, compressed; a redis:// host keeps its case and is not otherwise
  // normalised, so an unusual spelling (127.1, 0x7f000001) counts as remote: TLS is asked.
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * The credentials and transport of the other services: a password inside a URL is a secret like
 * the others, the application never logs in as the database superuser, and Redis and the trace
 * collector are reached over TLS unless they are on this host.
 */
function serviceUrlProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const name of ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'REDIS_URL', 'SMTP_URL'] as const) {
    const url = parseUrl(env[name]);
    if (!url?.password) continue;
    const problem = weakSecret(safeDecode(url.password));
    if (problem) problems.push(`${name} password ${problem}`);
  }
  const database = parseUrl(env.DATABASE_URL);
  if (database && safeDecode(database.username) === 'postgres')
    problems.push('DATABASE_URL logs in as the superuser postgres; use a role that owns nothing');
  const redis = parseUrl(env.REDIS_URL);
  if (redis && redis.protocol !== 'rediss:' && !isLoopbackHost(redis.hostname))
    problems.push('REDIS_URL must be rediss:// (TLS) unless its host is loopback');
  const collector = parseUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (collector && collector.protocol !== 'https:' && !isLoopbackHost(collector.hostname))
    problems.push('OTEL_EXPORTER_OTLP_ENDPOINT must be https:// unless its host is loopback');
  return problems;
}

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function databaseUrlProblems(name: string, url: string | undefined, required: boolean): string[] {
  if (!url) return required ? [`${name} is required in production`] : [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`${name} is not a valid URL`];
  }
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode && INSECURE_SSLMODES.has(sslmode)) {
    return [
      `${name} has sslmode=${sslmode}; use sslmode=verify-full (certificate and host name verified)`,
    ];
  }
  if (parsed.searchParams.has('ssl') && parsed.searchParams.get('ssl') !== 'true') {
    return [`${name} disables TLS; the database connection must use verified TLS`];
  }
  return [];
}
