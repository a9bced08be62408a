import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session is stamped with its user's credentials version when it opens, and the per-request check
 * and refresh require the two to match. A password change or reset, and a deactivation, bump the
 * version, so a session opened by a login that raced the change (its INSERT not yet visible to the
 * change's revocation) never works, and a deactivated account's sessions never come back.
 */
export class CredentialsVersion1780000000000 implements MigrationInterface {
  name = 'CredentialsVersion1780000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE users ADD COLUMN credentials_version integer NOT NULL DEFAULT 0');
    await db.query(
      'ALTER TABLE sessions ADD COLUMN credentials_version integer NOT NULL DEFAULT 0',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sessions DROP COLUMN credentials_version');
    await db.query('ALTER TABLE users DROP COLUMN credentials_version');
  }
}
