import { randomUUID } from 'node:crypto';

/**
 * A random (v4) UUID from the CSPRNG, for ids the application must know before the row exists
 * (the outbox binds its encrypted content to the row id, and derives the Message-ID from it).
 */
export function randomId(): string {
  return randomUUID();
}
