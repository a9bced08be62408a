import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import { MetricsService } from '../observability/metrics.service';
import { MailRenderer } from './mail-renderer';
import { checkedRecipient, MAIL_SETTINGS, type MailSettings } from './mail-settings';
import { MailWorker } from './mail.worker';
import { OutboxRepository } from './outbox.repository';
import type { MailData, MailPurpose } from './templates/mail-templates';

/** What every notice carries: whom it greets and when the change happened. */
interface NoticeData {
  username: string;
  at: Date;
}

/** The mails that tell an account holder about a change to their account. */
export type NoticePurpose = {
  [P in MailPurpose]: MailData<P> extends NoticeData ? P : never;
}[MailPurpose];

export interface MailRequest<P extends MailPurpose> {
  purpose: P;
  /** One plain address. */
  to: string;
  data: MailData<P>;
}

/**
 * The only way the application sends mail. Call `enqueue` inside the `tx.run(...)` of the change
 * the mail reports: the outbox row commits or rolls back with it, and the worker sends it after
 * the commit (never before, never for a change that did not happen). Nothing is sent inline, so
 * a request's timing never depends on the mail relay.
 */
@Injectable()
export class MailService implements OnModuleInit {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly renderer: MailRenderer,
    private readonly worker: MailWorker,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    private readonly metrics: MetricsService,
  ) {}

  /** The outbox depth as a gauge read at scrape time (a no-op without METRICS_PORT). */
  onModuleInit(): void {
    this.metrics.registerGauge({
      name: 'mail_outbox_pending',
      help: 'Mails queued in the outbox and not yet sent (pending or being sent)',
      collect: () => this.outboxDepth(),
    });
  }

  /**
   * Renders the mail now (a template error throws here, in the caller's transaction) and queues
   * it. Returns its Message-ID.
   */
  async enqueue<P extends MailPurpose>(request: MailRequest<P>): Promise<string> {
    const recipient = checkedRecipient(request.to);
    const { subject, ...content } = this.renderer.render(request.purpose, request.data);
    const messageId = await this.outbox.enqueue({
      purpose: request.purpose,
      recipient,
      subject,
      content,
      messageIdDomain: this.settings.messageIdDomain,
    });
    this.tx.afterCommit(() => this.worker.nudge());
    return messageId;
  }

  /** A notice to the account holder's current address, greeting them and stamped now. */
  notify<P extends NoticePurpose>(
    account: { email: string; username: string },
    purpose: P,
    details: Omit<MailData<P>, keyof NoticeData>,
  ): Promise<string> {
    const data = { ...details, username: account.username, at: new Date() } as MailData<P>;
    return this.enqueue({ purpose, to: account.email, data });
  }

  /** Mails waiting to be sent (pending or being sent): the outbox depth, for metrics. */
  outboxDepth(): Promise<number> {
    return this.outbox.countPending();
  }
}
