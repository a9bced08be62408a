import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { CIPHERTEXT_PATTERN } from '../database/check-patterns';
import { EncryptedColumn } from '../database/encrypted-column.decorator';

/**
 * The table `mail_outbox`: a mail written in the transaction of the change that causes it, then
 * claimed, sent and settled by the worker (src/mail/mail.worker.ts). The id is assigned by the
 * service (it is part of the content's AAD), so it has no default.
 */
@Entity({ name: 'mail_outbox' })
@Unique('mail_outbox_message_id_key', ['messageId'])
@Index('mail_outbox_due_idx', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('mail_outbox_lease_idx', ['lockedUntil'], { where: `status = 'sending'` })
@Index('mail_outbox_finished_idx', ['createdAt'], { where: `status IN ('sent', 'failed')` })
@Check('mail_outbox_purpose_check', `purpose ~ '^[a-z][a-z0-9-]{0,62}$'`)
@Check('mail_outbox_recipient_check', 'length(recipient) BETWEEN 3 AND 254')
@Check('mail_outbox_content_is_ciphertext', `content ~ ${CIPHERTEXT_PATTERN}`)
@Check('mail_outbox_status_check', `status IN ('pending', 'sending', 'sent', 'failed')`)
@Check('mail_outbox_attempts_check', 'attempts >= 0')
@Check('mail_outbox_last_error_check', 'length(last_error) <= 1000')
@Check('mail_outbox_smtp_response_check', 'length(smtp_response) <= 1000')
@Check(
  'mail_outbox_content_only_while_open',
  `(status IN ('pending', 'sending')) = (content IS NOT NULL)`,
)
@Check(
  'mail_outbox_lease_only_while_sending',
  `(status = 'sending') = (lease_id IS NOT NULL AND locked_until IS NOT NULL)`,
)
@Check('mail_outbox_sent_at', `(status = 'sent') = (sent_at IS NOT NULL)`)
export class OutboxMessageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  purpose!: string;

  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'text' })
  subject!: string;

  /** Rendered text and HTML as field-cipher ciphertext; erased once the row is sent or given up. */
  @EncryptedColumn({ nullable: true })
  content!: string | null;

  @Column({ name: 'message_id', type: 'text' })
  messageId!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: 'pending' | 'sending' | 'sent' | 'failed';

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'lease_id', type: 'uuid', nullable: true })
  leaseId!: string | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'smtp_response', type: 'text', nullable: true })
  smtpResponse!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
