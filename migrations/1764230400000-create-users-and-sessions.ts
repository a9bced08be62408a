import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersAndSessions1764230400000 implements MigrationInterface {
  name = 'CreateUsersAndSessions1764230400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        username text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
        is_active boolean NOT NULL DEFAULT true,
        birth_date date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)))
      )`);
    await db.query('CREATE UNIQUE INDEX users_email_key ON users (email)');
    await db.query('CREATE UNIQUE INDEX users_username_key ON users (lower(username))');

    // A session is one login. Access tokens carry its id (sid); revoking it kills them at once.
    await db.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text
      )`);
    await db.query(
      'CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL',
    );

    // Every refresh token ever issued, by SHA-256 only. A spent one presented again is reuse.
    await db.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        spent_at timestamptz
      )`);
    await db.query('CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE refresh_tokens');
    await db.query('DROP TABLE sessions');
    await db.query('DROP TABLE users');
  }
}
