import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit chain becomes keyed: each new event's hash is HMAC-SHA-256 under AUDIT_HMAC_KEY, which
 * never enters the database, so rows rewritten with database access alone no longer verify. Events
 * written before this migration keep their plain SHA-256 (`keyed = false`); the first keyed event
 * links to the last of them, and verify() refuses an unkeyed event after a keyed one.
 *
 * Pruning moves behind a SECURITY DEFINER function owned by the schema owner: the application's
 * role may only SELECT and INSERT on audit_events, and this function is the one way it can delete,
 * through the same trigger checks as before (a checkpoint covering the rows, older than one day).
 */
export class KeyedAuditChain1780000000001 implements MigrationInterface {
  name = 'KeyedAuditChain1780000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE audit_events ADD COLUMN keyed boolean NOT NULL DEFAULT false');
    await db.query('ALTER TABLE audit_events ALTER COLUMN keyed SET DEFAULT true');
    await db.query(`
      CREATE FUNCTION audit_prune_through(through_seq bigint, cutoff timestamptz) RETURNS bigint
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE deleted bigint;
      BEGIN
        PERFORM set_config('audit.pruning', 'on', true);
        PERFORM set_config('audit.prune_cutoff', cutoff::text, true);
        DELETE FROM audit_events WHERE seq <= through_seq;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        PERFORM set_config('audit.pruning', 'off', true);
        RETURN deleted;
      END
      $$`);
    // Functions are executable by PUBLIC by default; only the application role gets this one.
    await db.query('REVOKE ALL ON FUNCTION audit_prune_through(bigint, timestamptz) FROM PUBLIC');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION audit_prune_through(bigint, timestamptz)');
    await db.query('ALTER TABLE audit_events DROP COLUMN keyed');
  }
}
