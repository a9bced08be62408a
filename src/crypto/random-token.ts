import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: refresh tokens and other bearer secrets shown once. */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this digest of a bearer secret is stored, so a database leak yields no usable token. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
