import { Check, Column, Entity, Generated, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';

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
  /** The id of the key a keyed event was chained under; null for events from before key ids ("a1"). */
  keyId: string | null;
}

/**
 * The table `audit_events` as the migrations create it. Its append-only triggers and the
 * SECURITY DEFINER pruning function live only in migrations/. `user_id` has no foreign key on
 * purpose: an event outlives its user.
 */
@Entity({ name: 'audit_events' })
@Unique('audit_events_seq_key', ['seq'])
@Unique('audit_events_prev_hash_unique', ['prevHash'])
@Index('audit_events_type_created_at_idx', ['type', 'createdAt'])
@Index('audit_events_user_id_created_at_idx', ['userId', 'createdAt'])
@Index('audit_events_created_at_idx', ['createdAt'])
@Check(
  'audit_events_hash_format',
  `hash ~ ${SHA256_HEX_PATTERN} AND prev_hash ~ ${SHA256_HEX_PATTERN}`,
)
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /**
   * Chain order: `GENERATED ALWAYS AS IDENTITY` in the migration. TypeORM's @Generated offers no
   * identity strategy off the primary key; its schema comparison asks only whether the database
   * generates the value, which 'increment' says too.
   */
  @Column({ type: 'bigint' })
  @Generated('increment')
  seq!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'jsonb', default: {} })
  metadata!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;

  @Column({ type: 'boolean', default: true })
  keyed!: boolean;

  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;
}
