import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Only this digest of a bearer secret is stored, so a database leak yields no usable token. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** HMAC-SHA-256 over the parts in order, hex: a digest only the holder of `key` can recompute. */
export function hmacSha256Hex(key: string | Buffer | KeyObject, ...parts: string[]): string {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part, 'utf8');
  return mac.digest('hex');
}

/** Constant-time equality of two hex digests (false, not an exception, when the lengths differ). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
