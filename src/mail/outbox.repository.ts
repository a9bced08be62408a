import { Injectable } from '@nestjs/common';
import { FieldCipher } from '../crypto/field-cipher.service';
import { randomId } from '../crypto/random';
import { Transactions } from '../database/transactions';

/** The rendered parts of a mail: stored encrypted, because a link in them is a live credential. */
export interface MailContent {
  text: string;
  html: string;
  link?: string;
}

export interface NewOutboxMail {
  purpose: string;
  recipient: string;
  subject: string;
  content: MailContent;
  /** Right-hand side of the Message-ID. */
  messageIdDomain: string;
}

/** A row this worker holds under a lease until it records the outcome. */
export interface ClaimedMail {
  id: string;
  leaseId: string;
  purpose: string;
  recipient: string;
  subject: string;
  /** Undefined when the content no longer decrypts (its key was removed from the keyring). */
  content: MailContent | undefined;
  messageId: string;
  /** Tries so far, this one included. */
  attempts: number;
  createdAt: Date;
}

interface ClaimedRow {
  id: string;
  lease_id: string;
  purpose: string;
  recipient: string;
  subject: string;
  content: string;
  message_id: string;
  attempts: number;
  created_at: Date;
}

const TABLE = 'mail_outbox';
const CONTENT = (rowId: string) => ({ table: TABLE, column: 'content', rowId });
const MAX_TEXT = 1000;

/**
 * All SQL of the mail outbox. `enqueue` joins the caller's transaction (Transactions.manager),
 * so the mail commits or rolls back with the change it reports; everything else is the worker's,
 * each statement its own short transaction.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    private readonly tx: Transactions,
    private readonly cipher: FieldCipher,
  ) {}

  /** Writes a pending row; returns its Message-ID. */
  async enqueue(mail: NewOutboxMail): Promise<string> {
    const id = randomId();
    const messageId = `<${id}@${mail.messageIdDomain}>`;
    const content = this.cipher.encrypt(JSON.stringify(mail.content), CONTENT(id));
    await this.tx.manager.query(
      `INSERT INTO mail_outbox (id, purpose, recipient, subject, content, message_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, mail.purpose, mail.recipient, mail.subject, content, messageId],
    );
    return messageId;
  }

  /**
   * Takes up to `limit` due rows: pending ones whose time has come, and `sending` ones whose
   * lease ran out (their worker died mid-send). SKIP LOCKED lets concurrent workers each take
   * different rows without waiting on one another; the lease then keeps the row theirs after
   * this statement commits. Each claim counts as a try.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedMail[]> {
    const result: unknown = await this.tx.manager.query(
      `WITH due AS (
         SELECT id FROM mail_outbox
         WHERE (status = 'pending' AND next_attempt_at <= now())
            OR (status = 'sending' AND locked_until <= now())
         ORDER BY next_attempt_at, created_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE mail_outbox AS m
       SET status = 'sending', attempts = m.attempts + 1, lease_id = gen_random_uuid(),
           locked_until = now() + make_interval(secs => $2::double precision / 1000)
       FROM due WHERE m.id = due.id
       RETURNING m.id, m.lease_id, m.purpose, m.recipient, m.subject, m.content, m.message_id,
                 m.attempts, m.created_at`,
      [limit, leaseMs],
    );
    return rowsOf<ClaimedRow>(result)
      .map((row) => this.toClaimed(row))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** The server accepted it: keep the proof, erase the content (and its link). */
  async markSent(id: string, smtpResponse: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE mail_outbox
       SET status = 'sent', sent_at = now(), smtp_response = $2, content = NULL,
           lease_id = NULL, locked_until = NULL
       WHERE id = $1 AND status IN ('pending', 'sending')`,
      [id, clip(smtpResponse)],
    );
  }

  /** Back to pending, due after `delayMs`; only while this worker still holds the lease. */
  async scheduleRetry(mail: ClaimedMail, delayMs: number, error: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE mail_outbox
       SET status = 'pending', lease_id = NULL, locked_until = NULL, last_error = $3,
           next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [mail.id, mail.leaseId, clip(error), delayMs],
    );
  }

  /** No more tries: the row stays as a record, without its content. */
  async markFailed(mail: ClaimedMail, error: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE mail_outbox
       SET status = 'failed', content = NULL, lease_id = NULL, locked_until = NULL, last_error = $3
       WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [mail.id, mail.leaseId, clip(error)],
    );
  }

  /** Hands back a claimed row that was not tried (shutdown): due at once, the try not counted. */
  async release(mail: ClaimedMail): Promise<void> {
    await this.tx.manager.query(
      `UPDATE mail_outbox
       SET status = 'pending', attempts = attempts - 1, lease_id = NULL, locked_until = NULL
       WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [mail.id, mail.leaseId],
    );
  }

  /** Outbox depth: mails not yet sent nor given up (for metrics and health). */
  async countPending(): Promise<number> {
    const rows = await this.tx.manager.query<Array<{ depth: number }>>(
      `SELECT count(*)::int AS depth FROM mail_outbox WHERE status IN ('pending', 'sending')`,
    );
    return rows[0]?.depth ?? 0;
  }

  /** Deletes sent and given-up rows created before `cutoff`; returns how many. */
  async deleteFinishedBefore(cutoff: Date): Promise<number> {
    const result: unknown = await this.tx.manager.query(
      `DELETE FROM mail_outbox WHERE status IN ('sent', 'failed') AND created_at < $1`,
      [cutoff],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }

  private toClaimed(row: ClaimedRow): ClaimedMail {
    return {
      id: row.id,
      leaseId: row.lease_id,
      purpose: row.purpose,
      recipient: row.recipient,
      subject: row.subject,
      content: this.decrypt(row),
      messageId: row.message_id,
      attempts: row.attempts,
      createdAt: row.created_at,
    };
  }

  private decrypt(row: ClaimedRow): MailContent | undefined {
    try {
      return JSON.parse(this.cipher.decrypt(row.content, CONTENT(row.id))) as MailContent;
    } catch {
      return undefined;
    }
  }
}

// TypeORM answers UPDATE and DELETE with [rows, rowCount], anything else with the rows.
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
    return result[0] as T[];
  }
  return result as T[];
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
