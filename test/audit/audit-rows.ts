import type { HashedAuditFields } from '../../src/audit/audit-hash';

/** A raw `audit_events` row as `SELECT *` answers it, for specs that rewrite the chain themselves. */
export type AuditEventRow = Record<string, never>;

/** The fields an event's hash covers, read from its raw row (snake_case columns). */
export function hashedFieldsOf(row: AuditEventRow): HashedAuditFields {
  return {
    id: row.id,
    type: row.type,
    userId: row.user_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
