import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_events.key_id`: the id of the AUDIT_HMAC_KEY an event was chained under, so the key can be
 * rotated while older events keep verifying under theirs. Existing rows stay NULL, which means the
 * default id "a1": the append-only triggers forbid rewriting them, and adding a nullable column
 * touches no row.
 */
export class AuditKeyIds1780000700000 implements MigrationInterface {
  name = 'AuditKeyIds1780000700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE audit_events ADD COLUMN key_id text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE audit_events DROP COLUMN key_id');
  }
}
