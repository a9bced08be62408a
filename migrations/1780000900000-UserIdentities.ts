import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in with identity providers: `user_identities` links an account to a provider's (issuer,
 * subject); an account may then have no password. A session and a pending second step remember
 * the identity that opened them (unlinking ends those sessions). A provider sign-in's one-time code
 * and its spent `state` values are kept only until they expire.
 */
export class UserIdentities1780000900000 implements MigrationInterface {
  name = 'UserIdentities1780000900000';

  async up(db: QueryRunner): Promise<void> {
    const ciphertext = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;
    const sha256 = `'^[0-9a-f]{64}$'`;
    await db.query('ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL');
    await db.query(`
      CREATE TABLE user_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        provider text NOT NULL,
        issuer text NOT NULL,
        subject text NOT NULL,
        email_encrypted text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_identities_issuer_subject_key UNIQUE (issuer, subject),
        CONSTRAINT user_identities_email_is_ciphertext CHECK (email_encrypted ~ ${ciphertext})
      )`);
    await db.query('CREATE INDEX user_identities_user_idx ON user_identities (user_id)');
    await db.query(
      'ALTER TABLE sessions ADD COLUMN identity_id uuid REFERENCES user_identities(id) ON DELETE SET NULL',
    );
    await db.query(`
      ALTER TABLE mfa_challenges
        ADD COLUMN first_factor text NOT NULL DEFAULT 'pwd',
        ADD COLUMN identity_id uuid REFERENCES user_identities(id) ON DELETE CASCADE,
        ADD CONSTRAINT mfa_challenges_first_factor_check CHECK (first_factor IN ('pwd', 'fed'))`);
    await db.query(`
      CREATE TABLE provider_sign_in_codes (
        code_hash text PRIMARY KEY,
        binding_hash text NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        identity_id uuid NOT NULL REFERENCES user_identities(id) ON DELETE CASCADE,
        credentials_version integer NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT provider_sign_in_codes_code_hash_check CHECK (code_hash ~ ${sha256}),
        CONSTRAINT provider_sign_in_codes_binding_hash_check CHECK (binding_hash ~ ${sha256})
      )`);
    await db.query(
      'CREATE INDEX provider_sign_in_codes_expires_idx ON provider_sign_in_codes (expires_at)',
    );
    await db.query(`
      CREATE TABLE provider_spent_states (
        state_hash text PRIMARY KEY,
        expires_at timestamptz NOT NULL,
        CONSTRAINT provider_spent_states_state_hash_check CHECK (state_hash ~ ${sha256})
      )`);
    await db.query(
      'CREATE INDEX provider_spent_states_expires_idx ON provider_spent_states (expires_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE provider_spent_states');
    await db.query('DROP TABLE provider_sign_in_codes');
    await db.query('ALTER TABLE mfa_challenges DROP COLUMN identity_id, DROP COLUMN first_factor');
    await db.query('ALTER TABLE sessions DROP COLUMN identity_id');
    await db.query('DROP TABLE user_identities');
    await db.query(`UPDATE users SET password_hash = '!' WHERE password_hash IS NULL`);
    await db.query('ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL');
  }
}
