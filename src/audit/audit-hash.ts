import type { KeyObject } from 'node:crypto';
import { hmacSha256Hex, sha256Hex } from '../crypto/digest';
import type { AuditEvent } from './audit-event.entity';

/** prev_hash of the very first event of a chain that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

/** Every field an event's hash covers: changing any of them breaks the chain at that row. */
export type HashedAuditFields = Pick<
  AuditEvent,
  'id' | 'type' | 'userId' | 'ip' | 'userAgent' | 'requestId' | 'metadata' | 'createdAt'
>;

/**
 * Deterministic JSON: object keys sorted at every depth, no whitespace, `undefined` members
 * dropped (as JSON.stringify does). PostgreSQL's jsonb reorders keys, so the hash must not depend
 * on key order; values are the JSON types jsonb round-trips unchanged.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    if (typeof value === 'bigint')
      throw new TypeError('canonicalJson: bigint is not JSON; store it as a string');
    return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map(
      (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
    );
  return `{${members.join(',')}}`;
}

/** The bytes an event's hash covers: its fields as canonical JSON, createdAt as ISO UTC. */
export function auditPayload(fields: HashedAuditFields): string {
  return canonicalJson({
    id: fields.id,
    type: fields.type,
    userId: fields.userId,
    ip: fields.ip,
    userAgent: fields.userAgent,
    requestId: fields.requestId,
    metadata: fields.metadata,
    createdAt: fields.createdAt.toISOString(),
  });
}

/**
 * hash = HMAC-SHA-256(AUDIT_HMAC_KEY, prevHash || canonicalJson(fields)), hex. Without a key (events
 * written before the chain was keyed) the plain SHA-256 of the same bytes.
 */
export function computeAuditHash(
  prevHash: string,
  fields: HashedAuditFields,
  key: string | KeyObject | null,
): string {
  const payload = auditPayload(fields);
  return key === null ? sha256Hex(prevHash + payload) : hmacSha256Hex(key, prevHash, payload);
}
