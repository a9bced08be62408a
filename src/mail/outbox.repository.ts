import { Injectable } from '@nestjs/common';
import { FieldCipher } from '../crypto/field-cipher.service';
import { randomId } from '../crypto/random';
import { In, LessThan, type FindOptionsWhere, type Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { OutboxMessageEntity } from './outbox-message.entity';

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

/** What a claim reads back, aliased to the entity's property names. */
type ClaimedRow = Pick<
  OutboxMessageEntity,
  'id' | 'purpose' | 'recipient' | 'subject' | 'messageId' | 'attempts' | 'createdAt'
> & { leaseId: string; content: string };

const TABLE = 'mail_outbox';
const CONTENT = (rowId: string) => ({ table: TABLE, column: 'content', rowId });
const MAX_TEXT = 1000;

/**
 * The `mail_outbox` table: the one place it is read or written. `enqueue` joins the caller's
 * transaction (Transactions.manager), so the mail commits or rolls back with the change it reports;
 * everything else is the worker's, each statement its own short transaction.
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
    await this.messages().insert({
      id,
      purpose: mail.purpose,
      recipient: mail.recipient,
      subject: mail.subject,
      content,
      messageId,
    });
    return messageId;
  }

  /**
   * Takes up to `limit` due rows: pending ones whose time has come, and `sending` ones whose
   * lease ran out (their worker died mid-send). SKIP LOCKED lets concurrent workers each take
   * different rows without waiting on one another; the lease then keeps the row theirs after
   * this statement commits. Each claim counts as a try.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedMail[]> {
    // SQL: FOR UPDATE SKIP LOCKED and the claim in one statement.
    const [rows] = await this.tx.manager.query<[ClaimedRow[], number]>(
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
       RETURNING m.id, m.lease_id AS "leaseId", m.purpose, m.recipient, m.subject, m.content,
                 m.message_id AS "messageId", m.attempts, m.created_at AS "createdAt"`,
      [limit, leaseMs],
    );
    return rows
      .map((row) => this.toClaimed(row))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** The server accepted it: keep the proof, erase the content (and its link). */
  async markSent(id: string, smtpResponse: string): Promise<void> {
    await this.messages().update(
      { id, status: In(['pending', 'sending']) },
      {
        status: 'sent',
        sentAt: () => 'now()',
        smtpResponse: clip(smtpResponse),
        content: null,
        leaseId: null,
        lockedUntil: null,
      },
    );
  }

  /** Back to pending, due after `delayMs`; only while this worker still holds the lease. */
  async scheduleRetry(mail: ClaimedMail, delayMs: number, error: string): Promise<void> {
    await this.messages()
      .createQueryBuilder()
      .update()
      .set({
        status: 'pending',
        leaseId: null,
        lockedUntil: null,
        lastError: clip(error),
        // The database's clock, which the claim compares against.
        nextAttemptAt: () => 'now() + make_interval(secs => :delayMs::double precision / 1000)',
      })
      .where(leased(mail))
      .setParameter('delayMs', delayMs)
      .execute();
  }

  /** No more tries: the row stays as a record, without its content. */
  async markFailed(mail: ClaimedMail, error: string): Promise<void> {
    await this.messages().update(leased(mail), {
      status: 'failed',
      content: null,
      leaseId: null,
      lockedUntil: null,
      lastError: clip(error),
    });
  }

  /** Hands back a claimed row that was not tried (shutdown): due at once, the try not counted. */
  async release(mail: ClaimedMail): Promise<void> {
    await this.messages().update(leased(mail), {
      status: 'pending',
      attempts: () => 'attempts - 1',
      leaseId: null,
      lockedUntil: null,
    });
  }

  /** Outbox depth: mails not yet sent nor given up (for metrics and health). */
  countPending(): Promise<number> {
    return this.messages().countBy({ status: In(['pending', 'sending']) });
  }

  /** Deletes sent and given-up rows created before `cutoff`; returns how many. */
  async deleteFinishedBefore(cutoff: Date): Promise<number> {
    const { affected } = await this.messages().delete({
      status: In(['sent', 'failed']),
      createdAt: LessThan(cutoff),
    });
    return affected ?? 0;
  }

  private messages(): Repository<OutboxMessageEntity> {
    return this.tx.manager.getRepository(OutboxMessageEntity);
  }

  private toClaimed(row: ClaimedRow): ClaimedMail {
    return {
      id: row.id,
      leaseId: row.leaseId,
      purpose: row.purpose,
      recipient: row.recipient,
      subject: row.subject,
      content: this.decrypt(row),
      messageId: row.messageId,
      attempts: row.attempts,
      createdAt: row.createdAt,
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

/** The row as this worker's claim left it: only while it still holds the lease. */
function leased(mail: ClaimedMail): FindOptionsWhere<OutboxMessageEntity> {
  return { id: mail.id, leaseId: mail.leaseId, status: 'sending' };
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
