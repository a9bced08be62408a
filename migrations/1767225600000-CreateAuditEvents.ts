import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail. `seq` orders the hash chain; `user_id` has no foreign key on purpose: an event
 * outlives its user and may be recorded before the users table exists. The unique `prev_hash` makes
 * a fork of the chain impossible even if a writer ever skipped the advisory lock.
 */
export class CreateAuditEvents1767225600000 implements MigrationInterface {
  name = 'CreateAuditEvents1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        type text NOT NULL,
        user_id uuid NULL,
        ip text NULL,
        user_agent text NULL,
        request_id text NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT audit_events_prev_hash_unique UNIQUE (prev_hash),
        CONSTRAINT audit_events_hash_format CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$')
      )`);
    await queryRunner.query(
      `CREATE INDEX audit_events_type_created_at_idx ON audit_events (type, created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_events_user_id_created_at_idx ON audit_events (user_id, created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_events_created_at_idx ON audit_events (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
  }
}
