import { format } from 'winston';

export const REDACTED = '[REDACTED]';
const TRUNCATED = '[Truncated]';
const MAX_DEPTH = 8;

// A key is split into words whatever its casing or separators (camelCase, snake_case, kebab-case,
// UPPER_CASE, "Header Name"), then judged word by word: substring matching on the raw key either
// misses ("ACCESS-TOKEN" is fine, "x_api_KEY" is not) or over-redacts ("businessName" holds "ssn").
const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'jwt',
  'authorization',
  'auth',
  'cookie',
  'cookies',
  'ssn',
  'pepper',
  'credential',
  'credentials',
  'apikey',
  'otp',
  'cvv',
  'pin',
  'iban',
  'signature',
  'ciphertext',
]);
// Words that make a key secret only as its last word: `encryptionKey`, `API_KEY`, but not `keyId`.
const SECRET_LAST_WORDS = new Set(['key', 'keys']);
// Secret however the words are glued together: `bankAccount`, `bank_account_number`, `privateKey`.
const SECRET_JOINED = /password|secret|token|bankaccount|accountnumber|privatekey|apikey|accesskey/;

// Secrets that hide in free text: bearer credentials and JWTs (three base64url segments, "eyJ…").
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
// One-time link tokens in a URL's query (`/reset-password?token=…`, `&refresh_token=…`): a logged
// URL must not hand out the link it names.
const QUERY_SECRET =
  /([?&;][A-Za-z0-9_.-]*(?:token|code|secret|password)[A-Za-z0-9_.-]*=)[^&;#\s"'<>]*/gi;
// C0 and C1 controls, DEL, and the Unicode line/paragraph separators some viewers treat as newlines.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a property named `key` holds a secret, in any naming convention. */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  if (words.some((word) => SECRET_WORDS.has(word))) return true;
  if (SECRET_LAST_WORDS.has(words[words.length - 1])) return true;
  return SECRET_JOINED.test(words.join(''));
}

/**
 * Removes secrets at any depth and escapes control characters, so a value can never forge a log
 * line. Anything nested deeper than MAX_DEPTH is dropped rather than inspected, never passed through.
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return '[Binary]';
  if (seen.has(value) || depth >= MAX_DEPTH) return TRUNCATED;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
    if (value instanceof Error) {
      return {
        name: value.name,
        message: scrubText(value.message),
        stack: value.stack ? scrubText(value.stack) : undefined,
      };
    }
    const entries =
      value instanceof Map
        ? [...value.entries()].map(([k, v]) => [String(k), v] as const)
        : Object.entries(value);
    // A null-prototype object: a "__proto__" key stays a plain key instead of becoming a prototype.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, inner] of entries) {
      out[scrubText(key)] = isSecretKey(key) ? REDACTED : redact(inner, depth + 1, seen);
    }
    return out;
  } finally {
    // Only cycles are truncated; the same object referenced twice side by side is shown twice.
    seen.delete(value);
  }
}

function scrubText(text: string): string {
  return escapeControl(
    text
      .replace(BEARER, `$1 ${REDACTED}`)
      .replace(JWT, REDACTED)
      .replace(QUERY_SECRET, `$1${REDACTED}`),
  );
}

export function escapeControl(text: string): string {
  return text.replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** winston format applying `redact` to every field of every entry, including the message. */
export const redactFormat = format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = isSecretKey(key) ? REDACTED : redact(info[key]);
  }
  return info;
});
