import { randomBytes } from 'node:crypto';

/**
 * The id carries the UTC date so operators can order keys at a glance, plus a random suffix so
 * two keys made the same day differ. It is never derived from the key, so it reveals nothing.
 */
export function generateKey(now: Date = new Date()): { id: string; hex: string } {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${date}-${randomBytes(3).toString('hex')}`, hex: randomBytes(32).toString('hex') };
}
