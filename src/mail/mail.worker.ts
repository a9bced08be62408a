import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { classifyDeliveryError, safeLine } from './delivery-error';
import { MAIL_SETTINGS, type MailSettings } from './mail-settings';
import { MAX_ATTEMPTS, MailWorkerOptions } from './mail-worker.options';
import { OutboxRepository, type ClaimedMail } from './outbox.repository';
import { MailTransport } from './transport/mail-transport';

/** What happened to a claimed mail, to be written to its row. */
type Outcome =
  | { kind: 'sent'; response: string }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed'; error: string };

/**
 * Sends the outbox. Polls every `pollIntervalMs` and wakes at once after a commit that enqueued
 * mail in this process (MailService → nudge). Any number of instances may run: rows are claimed
 * with FOR UPDATE SKIP LOCKED under a lease.
 *
 * Delivery is at least once, with the same Message-ID, Date and content on every try: see
 * docs/MAIL.md. The window for a duplicate is only between the server's acceptance and the
 * UPDATE that records it; an outcome that cannot be recorded (database away) is kept here and
 * written before anything new is claimed, so only a process that dies in that window, or a
 * database that stays away longer than the lease, can lead to a second (identical) send.
 *
 * Shutdown never cuts a send off: it waits for the mail in flight, records it, and hands the
 * rest of the batch back untried. Timers are unref'd: the worker never keeps a process alive.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MailWorker');
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private wakeAgain = false;
  private stopped = false;
  private readonly unrecorded = new Map<string, { mail: ClaimedMail; outcome: Outcome }>();
  private outageSince?: number;
  private outageLoggedAt = 0;
  private lastPrune = 0;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly transport: MailTransport,
    private readonly options: MailWorkerOptions,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0); // mail left over from before a restart goes out now
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    if (this.unrecorded.size > 0) await this.recordPending().catch(() => undefined);
    if (this.unrecorded.size > 0) {
      this.logger.warn({
        message: 'mail sent but not recorded at shutdown; it may be sent again, same Message-ID',
        outboxIds: [...this.unrecorded.keys()],
      });
    }
    this.transport.close();
  }

  /** A mail was committed in this process: look now rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.draining) this.wakeAgain = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delayMs).unref();
  }

  private run(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.stopped) return;
      this.schedule(this.wakeAgain ? 0 : this.options.pollIntervalMs);
      this.wakeAgain = false;
    });
  }

  private async drain(): Promise<void> {
    try {
      await this.recordPending();
      let batch: ClaimedMail[];
      do {
        const claimedAt = performance.now();
        batch = await this.outbox.claimDue(this.options.batchSize, this.options.leaseMs);
        await this.deliverBatch(batch, claimedAt);
      } while (batch.length === this.options.batchSize && !this.stopped);
      await this.pruneWhenDue();
      this.databaseBack();
    } catch (error) {
      this.databaseAway(error);
    }
  }

  private async deliverBatch(batch: ClaimedMail[], claimedAt: number): Promise<void> {
    // Start a send only while the lease will outlast it: a row is never sent by two workers.
    const lastStart = claimedAt + this.options.leaseMs - this.options.maxSendMs;
    for (const [index, mail] of batch.entries()) {
      if (this.stopped || performance.now() > lastStart) {
        for (const rest of batch.slice(index)) await this.outbox.release(rest);
        return;
      }
      await this.record(mail, await this.deliver(mail));
    }
  }

  private async deliver(mail: ClaimedMail): Promise<Outcome> {
    if (mail.attempts > MAX_ATTEMPTS) {
      return { kind: 'failed', error: 'its last try was cut off (the process stopped mid-send)' };
    }
    if (!mail.content) {
      return {
        kind: 'failed',
        error: 'its content no longer decrypts (key removed from the keyring?)',
      };
    }
    try {
      const receipt = await this.transport.send({
        purpose: mail.purpose,
        to: mail.recipient,
        from: this.settings.from,
        subject: mail.subject,
        ...mail.content,
        messageId: mail.messageId,
        date: mail.createdAt,
      });
      return { kind: 'sent', response: safeLine(receipt.response) };
    } catch (error) {
      const failure = classifyDeliveryError(error);
      if (failure.tls) this.tlsRefused(mail, failure.description);
      if (failure.permanent || mail.attempts >= MAX_ATTEMPTS) {
        return { kind: 'failed', error: failure.description };
      }
      return {
        kind: 'retry',
        delayMs: this.options.retryDelayMs(mail.attempts),
        error: failure.description,
      };
    }
  }

  /**
   * At once, not only when the mail is given up eight tries later: a relay whose TLS stops verifying
   * is a misconfiguration or an attack on the path, and an operator should hear of it now.
   */
  private tlsRefused(mail: ClaimedMail, error: string): void {
    this.logger.warn({
      message: 'SMTP relay TLS refused: nothing was sent, the mail waits for a retry',
      event: 'mail.smtp_tls_refused',
      outboxId: mail.id,
      attempt: mail.attempts,
      error,
    });
  }

  /** Writes the outcome; if the database is away, keeps it to write before the next claim. */
  private async record(mail: ClaimedMail, outcome: Outcome): Promise<void> {
    this.unrecorded.set(mail.id, { mail, outcome });
    await this.write(mail, outcome);
    this.unrecorded.delete(mail.id);
  }

  private async recordPending(): Promise<void> {
    for (const [id, { mail, outcome }] of this.unrecorded) {
      await this.write(mail, outcome);
      this.unrecorded.delete(id);
    }
  }

  private async write(mail: ClaimedMail, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'sent':
        return this.outbox.markSent(mail.id, outcome.response);
      case 'retry':
        return this.outbox.scheduleRetry(mail, outcome.delayMs, outcome.error);
      case 'failed':
        await this.outbox.markFailed(mail, outcome.error);
        // The one line an operator needs: which row, what kind, why. No recipient, no link.
        this.logger.error({
          message: `mail given up after ${Math.min(mail.attempts, MAX_ATTEMPTS)} tries`,
          outboxId: mail.id,
          purpose: mail.purpose,
          messageId: mail.messageId,
          lastError: outcome.error,
        });
    }
  }

  private async pruneWhenDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < this.options.pruneIntervalMs) return;
    this.lastPrune = now;
    await this.outbox.deleteFinishedBefore(new Date(now - this.options.retentionMs));
  }

  // While the database is away every poll fails: say so once, then at most every
  // outageLogIntervalMs, and once more when it is back.
  private databaseAway(error: unknown): void {
    const now = Date.now();
    this.outageSince ??= now;
    if (now - this.outageLoggedAt < this.options.outageLogIntervalMs) return;
    this.outageLoggedAt = now;
    this.logger.warn({
      message: 'mail outbox unavailable; retrying',
      error: safeLine(error instanceof Error ? error.message : String(error)),
    });
  }

  private databaseBack(): void {
    if (this.outageSince === undefined) return;
    this.logger.log({
      message: 'mail outbox available again',
      unavailableMs: Date.now() - this.outageSince,
    });
    this.outageSince = undefined;
    this.outageLoggedAt = 0;
  }
}
