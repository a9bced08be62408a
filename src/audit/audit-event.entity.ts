import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of the append-only audit trail. Rows are written only by AuditService (raw SQL under the
 * chain lock) and never updated, so every column is insert-only from TypeORM's point of view.
 */
@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn('uuid')
  id!: string;

  /** bigint identity: chain order. pg returns bigint as a string, which keeps it exact. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column('text')
  type!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column('jsonb')
  metadata!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column('text')
  hash!: string;
}
