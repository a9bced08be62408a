import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account integrity: proofs recorded on sessions, links bound to the credentials they were issued
 * under, and passkey assertions for step-up.
 *
 * - `sessions.password_proven_at` / `factor_proven_at`: when the session last proved the password
 *   and a second factor (at sign-in, or by a step-up). Sensitive operations that accept a recent
 *   proof read them; sessions opened before this migration have none, so they are asked again.
 * - `account_tokens.credentials_version`: a password-reset or email-change link carries the
 *   account's credentials version when it was issued; it works only while that version is current,
 *   so every change that moves the version on (password change or reset, email change, logout-all,
 *   deactivation, a factor added or removed) kills it. Verification links are not bound. Live links
 *   issued before this migration are bound to the version current now.
 * - `webauthn_challenges.purpose` gains `step_up`: a passkey assertion offered as a proof.
 */
export class AccountIntegrity1780000500000 implements MigrationInterface {
  name = 'AccountIntegrity1780000500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE sessions
        ADD COLUMN password_proven_at timestamptz NULL,
        ADD COLUMN factor_proven_at timestamptz NULL`);
    await db.query('ALTER TABLE account_tokens ADD COLUMN credentials_version integer NULL');
    await db.query(`
      UPDATE account_tokens t SET credentials_version = u.credentials_version
        FROM users u WHERE u.id = t.user_id AND t.purpose IN ('password_reset', 'email_change')`);
    await db.query(`
      ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_bound_to_credentials
        CHECK ((purpose IN ('password_reset', 'email_change')) = (credentials_version IS NOT NULL))`);
    await db.query(
      'ALTER TABLE webauthn_challenges DROP CONSTRAINT webauthn_challenges_purpose_check',
    );
    await db.query(`
      ALTER TABLE webauthn_challenges ADD CONSTRAINT webauthn_challenges_purpose_check
        CHECK (purpose IN ('registration', 'second_factor', 'passwordless', 'step_up'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query("DELETE FROM webauthn_challenges WHERE purpose = 'step_up'");
    await db.query(
      'ALTER TABLE webauthn_challenges DROP CONSTRAINT webauthn_challenges_purpose_check',
    );
    await db.query(`
      ALTER TABLE webauthn_challenges ADD CONSTRAINT webauthn_challenges_purpose_check
        CHECK (purpose IN ('registration', 'second_factor', 'passwordless'))`);
    await db.query(
      'ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_bound_to_credentials',
    );
    await db.query('ALTER TABLE account_tokens DROP COLUMN credentials_version');
    await db.query(
      'ALTER TABLE sessions DROP COLUMN factor_proven_at, DROP COLUMN password_proven_at',
    );
  }
}
