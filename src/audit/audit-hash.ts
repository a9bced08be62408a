import { createHash } from 'node:crypto';

/** prev_hash of the very first event of a chain that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

/** Every field an event's hash covers: changing any of them breaks the chain at that row. */
export interface HashedAuditFields {
  id: string;
  type: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

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

/** hash = sha256(prevHash || canonicalJson(fields)), hex. */
export function computeAuditHash(prevHash: string, fields: HashedAuditFields): string {
  const payload = canonicalJson({
    id: fields.id,
    type: fields.type,
    userId: fields.userId,
    ip: fields.ip,
    userAgent: fields.userAgent,
    requestId: fields.requestId,
    metadata: fields.metadata,
    createdAt: fields.createdAt.toISOString(),
  });
  return createHash('sha256').update(prevHash, 'utf8').update(payload, 'utf8').digest('hex');
}
