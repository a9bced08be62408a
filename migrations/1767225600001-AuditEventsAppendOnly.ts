import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit_events is append-only: UPDATE, DELETE and TRUNCATE raise. The one exception is retention
 * pruning (AuditRetentionService), and only when all of these hold in the deleting transaction:
 *  - `audit.pruning` is 'on' and `audit.prune_cutoff` is set (transaction-local settings);
 *  - the row is older than that cutoff AND older than one day whatever the cutoff says, so even a
 *    caller that sets the flags itself cannot erase recent events;
 *  - an `audit.pruned` checkpoint covering the row's seq already exists, so verify() can anchor the
 *    remaining chain on the hash it records.
 * The settings are not a security boundary (the role owns the table and could drop the trigger);
 * they stop accidental or injected DML. Tampering beyond that is what the hash chain detects.
 */
export class AuditEventsAppendOnly1767225600001 implements MigrationInterface {
  name = 'AuditEventsAppendOnly1767225600001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE'
          AND current_setting('audit.pruning', true) = 'on'
          AND OLD.created_at < NULLIF(current_setting('audit.prune_cutoff', true), '')::timestamptz
          AND OLD.created_at < now() - interval '1 day'
          AND EXISTS (
            SELECT 1 FROM audit_events c
            WHERE c.type = 'audit.pruned' AND (c.metadata->>'prunedThroughSeq')::bigint >= OLD.seq
          )
        THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_update_delete
        BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await queryRunner.query(`
      CREATE FUNCTION audit_events_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: TRUNCATE is not allowed' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate
        BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
    await queryRunner.query(`DROP TRIGGER audit_events_no_update_delete ON audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_no_truncate()`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
