import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account lifecycle by email (src/auth/lifecycle/).
 *
 * - `account_tokens`: one-time link tokens (verify an address, reset a password, confirm an email
 *   change). Only the SHA-256 of a token is stored. The partial unique index keeps one live token
 *   per user and purpose: issuing replaces the live row's hash in one upsert, so every earlier link
 *   dies with it. Using a token is one conditional UPDATE (`spent_at IS NULL AND expires_at > now()`),
 *   so two requests with one token cannot both succeed. Spent rows stay as history.
 * - `known_devices`: where an account signed in from, as an HMAC of (user, user agent, network),
 *   never a raw address: the new sign-in notice goes out for a fingerprint not seen in 90 days.
 */
export class AccountLifecycle1780000300000 implements MigrationInterface {
  name = 'AccountLifecycle1780000300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset', 'email_change')),
        token_hash text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        new_email text NULL CHECK (new_email = lower(btrim(new_email))),
        expires_at timestamptz NOT NULL,
        spent_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_tokens_hash_key UNIQUE (token_hash),
        CONSTRAINT account_tokens_new_email_only_for_change
          CHECK ((purpose = 'email_change') = (new_email IS NOT NULL))
      )`);
    await db.query(
      'CREATE UNIQUE INDEX account_tokens_one_live_idx ON account_tokens (user_id, purpose) WHERE spent_at IS NULL',
    );
    await db.query(`
      CREATE TABLE known_devices (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, fingerprint)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE known_devices');
    await db.query('DROP TABLE account_tokens');
  }
}
