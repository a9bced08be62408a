import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * An HMAC key object, to be built once: handed a string, jsonwebtoken tries to parse it as a PEM
 * public key on every verify (~450 µs); a KeyObject skips that (~10 µs).
 */
export function hmacKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
