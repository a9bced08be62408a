import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `sessions.idle_expires_at`: when the session dies unless it is refreshed first; every refresh
 * moves it forward, `expires_at` (the absolute end) never moves. Stored rather than computed from
 * `last_used_at` so the per-request check compares two columns with now() and needs neither the
 * role nor the configured timeouts. Sessions opened before it keep their old end: the column starts
 * equal to `expires_at`.
 */
export class SessionIdleDeadline1780000600000 implements MigrationInterface {
  name = 'SessionIdleDeadline1780000600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sessions ADD COLUMN idle_expires_at timestamptz');
    await db.query('UPDATE sessions SET idle_expires_at = expires_at');
    await db.query('ALTER TABLE sessions ALTER COLUMN idle_expires_at SET NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sessions DROP COLUMN idle_expires_at');
  }
}
