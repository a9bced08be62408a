import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox for mail (src/mail/). A row is written in the same transaction as the
 * change that causes the mail, then a worker claims it (`FOR UPDATE SKIP LOCKED`, so several
 * instances never take one row twice), sends it and records the outcome.
 *
 * - `content` is the rendered text and HTML (they carry one-time links), encrypted with the field
 *   cipher (AAD = table, column, row id) and erased once the row is sent or given up: a link
 *   token never sits in the database in clear, and not at all once the mail is out.
 * - `message_id` is assigned at enqueue and reused by every attempt (see docs/MAIL.md).
 * - `status`: pending → sending (claimed, `lease_id` + `locked_until`) → sent | failed; a
 *   `sending` row whose lease ran out (its worker died) is claimable again.
 */
export class CreateMailOutbox1780000100000 implements MigrationInterface {
  name = 'CreateMailOutbox1780000100000';

  async up(db: QueryRunner): Promise<void> {
    const token = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;
    await db.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY,
        purpose text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9-]{0,62}$'),
        recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
        subject text NOT NULL,
        content text NULL CONSTRAINT mail_outbox_content_is_ciphertext CHECK (content ~ ${token}),
        message_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_id uuid NULL,
        locked_until timestamptz NULL,
        last_error text NULL CHECK (length(last_error) <= 1000),
        smtp_response text NULL CHECK (length(smtp_response) <= 1000),
        sent_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mail_outbox_message_id_key UNIQUE (message_id),
        CONSTRAINT mail_outbox_content_only_while_open
          CHECK ((status IN ('pending', 'sending')) = (content IS NOT NULL)),
        CONSTRAINT mail_outbox_lease_only_while_sending
          CHECK ((status = 'sending') = (lease_id IS NOT NULL AND locked_until IS NOT NULL)),
        CONSTRAINT mail_outbox_sent_at CHECK ((status = 'sent') = (sent_at IS NOT NULL))
      )`);
    // Claiming: due pending rows in order, and sending rows whose lease has run out.
    await db.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await db.query(
      `CREATE INDEX mail_outbox_lease_idx ON mail_outbox (locked_until) WHERE status = 'sending'`,
    );
    // Pruning finished rows by age.
    await db.query(
      `CREATE INDEX mail_outbox_finished_idx ON mail_outbox (created_at) WHERE status IN ('sent', 'failed')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE mail_outbox');
  }
}
