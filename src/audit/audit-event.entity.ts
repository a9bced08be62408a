/** A row of the append-only audit trail (table `audit_events`; schema in migrations/). */
export interface AuditEvent {
  id: string;
  /** bigint identity: chain order. pg returns bigint as a string, which keeps it exact. */
  seq: string;
  type: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  prevHash: string;
  hash: string;
  /** HMAC-SHA-256 under AUDIT_HMAC_KEY; false only for events written before the chain was keyed. */
  keyed: boolean;
}
