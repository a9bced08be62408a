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
 * Rules that apply only when NODE_ENV=production: nothing is generated, every secret is given,
 * strong and distinct, and the database connection verifies TLS. Returns one line per problem.
 */
export function productionProblems(env: Env, raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const check = (name: keyof Env, problem: string | undefined): void => {
    if (problem) problems.push(`${name} ${problem}`);
  };
  check('JWT_SECRET', weakSecret(env.JWT_SECRET));
  check('JWT_REFRESH_SECRET', weakSecret(env.JWT_REFRESH_SECRET));
  if (env.JWT_SECRET && env.JWT_SECRET === env.JWT_REFRESH_SECRET) {
    problems.push('JWT_REFRESH_SECRET must differ from JWT_SECRET');
  }
  check('PASSWORD_PEPPER', weakSecret(env.PASSWORD_PEPPER));
  if (!env.ENCRYPTION_KEY && !env.ENCRYPTION_KEYS) {
    problems.push(
      'ENCRYPTION_KEY is required in production (64 hex characters), or set ENCRYPTION_KEYS',
    );
  }
  if (env.BCRYPT_ROUNDS < 12) problems.push('BCRYPT_ROUNDS must be at least 12 in production');
  if (!raw.JWT_ISSUER) problems.push('JWT_ISSUER is required in production');
  if (!raw.JWT_AUDIENCE) problems.push('JWT_AUDIENCE is required in production');
  if (!raw.PUBLIC_APP_URL) problems.push('PUBLIC_APP_URL is required in production');
  else if (!env.PUBLIC_APP_URL.startsWith('https://'))
    problems.push('PUBLIC_APP_URL must be an https:// URL in production');
  problems.push(...databaseUrlProblems(env.DATABASE_URL));
  problems.push(...mailProblems(env));
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

function databaseUrlProblems(url: string | undefined): string[] {
  if (!url) return ['DATABASE_URL is required in production'];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['DATABASE_URL is not a valid URL'];
  }
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode && INSECURE_SSLMODES.has(sslmode)) {
    return [
      `DATABASE_URL has sslmode=${sslmode}; use sslmode=verify-full (certificate and host name verified)`,
    ];
  }
  if (parsed.searchParams.has('ssl') && parsed.searchParams.get('ssl') !== 'true') {
    return ['DATABASE_URL disables TLS; the database connection must use verified TLS'];
  }
  return [];
}
