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
