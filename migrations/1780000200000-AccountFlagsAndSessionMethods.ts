import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `email_verified`: accounts that existed before verification did are taken as verified (their
 * owners could not have verified them); new accounts start unverified. `mfa_enabled`: kept by the
 * MFA module whenever a factor is confirmed or removed, so the per-request check reads it with the
 * account. `sessions.amr`: how the session's login was authenticated (RFC 8176 values), carried
 * into every access token the session issues, refreshes included.
 */
export class AccountFlagsAndSessionMethods1780000200000 implements MigrationInterface {
  name = 'AccountFlagsAndSessionMethods1780000200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT true');
    await db.query('ALTER TABLE users ALTER COLUMN email_verified SET DEFAULT false');
    await db.query('ALTER TABLE users ADD COLUMN mfa_enabled boolean NOT NULL DEFAULT false');
    await db.query(
      "ALTER TABLE sessions ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}' CHECK (cardinality(amr) > 0)",
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE sessions DROP COLUMN amr');
    await db.query('ALTER TABLE users DROP COLUMN mfa_enabled');
    await db.query('ALTER TABLE users DROP COLUMN email_verified');
  }
}
