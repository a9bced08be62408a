import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second factors (src/mfa/).
 *
 * - `mfa_totp`: one authenticator per user. `secret` is field-cipher ciphertext (AAD = table,
 *   column, user id), never the base32 secret. `confirmed_at` NULL while pending (set-up shown,
 *   no code proved yet). `last_used_step` is the RFC 6238 time step of the last accepted code: a
 *   code is accepted only for a later step, in one conditional UPDATE, so a replay loses the race.
 * - `mfa_recovery_codes`: SHA-256 of each code (they are 100-bit random, so a plain digest is not
 *   guessable offline); `used_at` set once by a conditional UPDATE.
 * - `mfa_challenges`: the `mfaToken` of a login waiting for its second factor, stored as SHA-256,
 *   with the credentials version the password step checked; single use, dead after 5 failures.
 * - `passkeys`: WebAuthn credentials (id and COSE public key as the authenticator gave them, the
 *   signature counter, transports, backup eligibility and state).
 * - `webauthn_challenges`: SHA-256 of each ceremony's challenge, single use with a short TTL.
 */
export class MultiFactorAuthentication1780000400000 implements MigrationInterface {
  name = 'MultiFactorAuthentication1780000400000';

  async up(db: QueryRunner): Promise<void> {
    const ciphertext = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;
    await db.query(`
      CREATE TABLE mfa_totp (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        secret text NOT NULL CONSTRAINT mfa_totp_secret_is_ciphertext CHECK (secret ~ ${ciphertext}),
        confirmed_at timestamptz NULL,
        last_used_step bigint NULL CHECK (last_used_step >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE mfa_recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
        used_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mfa_recovery_codes_user_code_key UNIQUE (user_id, code_hash)
      )`);
    await db.query(`
      CREATE TABLE mfa_challenges (
        token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        credentials_version integer NOT NULL,
        failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
        expires_at timestamptz NOT NULL,
        spent_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at)');
    await db.query(`
      CREATE TABLE passkeys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        credential_id text NOT NULL
          CHECK (credential_id ~ '^[A-Za-z0-9_-]+$' AND length(credential_id) <= 1366),
        public_key bytea NOT NULL,
        counter bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
        transports text[] NOT NULL DEFAULT '{}',
        backup_eligible boolean NOT NULL,
        backed_up boolean NOT NULL,
        name text NULL CHECK (length(name) <= 100),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NULL,
        CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
      )`);
    await db.query('CREATE INDEX passkeys_user_idx ON passkeys (user_id)');
    await db.query(`
      CREATE TABLE webauthn_challenges (
        challenge_hash text PRIMARY KEY CHECK (challenge_hash ~ '^[0-9a-f]{64}$'),
        purpose text NOT NULL CHECK (purpose IN ('registration', 'second_factor', 'passwordless')),
        user_id uuid NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webauthn_challenges_user CHECK ((purpose = 'passwordless') = (user_id IS NULL))
      )`);
    await db.query(
      'CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE webauthn_challenges');
    await db.query('DROP TABLE passkeys');
    await db.query('DROP TABLE mfa_challenges');
    await db.query('DROP TABLE mfa_recovery_codes');
    await db.query('DROP TABLE mfa_totp');
  }
}
