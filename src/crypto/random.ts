import { randomBytes, randomUUID } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: refresh tokens and other bearer secrets shown once. */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `bytes` from the CSPRNG, base64url: generated development secrets, embedded database passwords. */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** `length` lower-case letters and digits from the CSPRNG: a suffix that makes a name unique. */
export function randomSuffix(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every letter equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += alphabet[byte % 36];
    }
  }
  return out;
}

/**
 * A random (v4) UUID from the CSPRNG: ids the application must know before the row exists (audit
 * events, the outbox's rows), JWT ids, request ids.
 */
export function randomId(): string {
  return randomUUID();
}

/** Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied by hand survives. */
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A recovery code: 28 base32 characters (140 bits from the CSPRNG: at least 128, so no guess and
 * no precomputed table reaches one behind its plain SHA-256) in seven groups of four,
 * `xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx`. 32 divides 256, so every character is equally likely.
 */
export function generateRecoveryCode(): string {
  const chars = [...randomBytes(28)].map((byte) => CROCKFORD[byte % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** What a typed recovery code is compared as: lower case, without the dashes or spaces. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
