import { MailWorkerOptions } from '../../src/mail/mail-worker.options';
import { TestSmtpServer } from '../support/smtp-server';
import {
  databaseAway,
  eventually,
  outboxRows,
  startMailContext,
  type MailContext,
  type OutboxRow,
} from '../support/mail-context';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Retries in milliseconds: 20, 40, 80 … 1280 ms between the eight tries.
const FAST = { pollIntervalMs: 50, retryBaseMs: 20 };
const pacing = new MailWorkerOptions(FAST);

describe('mail outbox: outages, retries with backoff, giving up', () => {
  let smtp: TestSmtpServer;
  let ctx: MailContext;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    ctx = await startMailContext(
      { SMTP_URL: smtp.url(), SMTP_CA: smtp.caFile, LOG_LEVEL: 'info' },
      FAST,
    );
  });

  afterEach(() => smtp.succeed());

  afterAll(async () => {
    await ctx?.close();
    await smtp?.stop();
  });

  async function enqueueNotice(to: string): Promise<string> {
    return ctx.tx.run(() =>
      ctx.mail.enqueue({
        purpose: 'password-changed',
        to,
        data: { username: 'u', at: new Date() },
      }),
    );
  }

  async function row(to: string, accept: (row: OutboxRow) => boolean): Promise<OutboxRow> {
    return eventually(
      async () => {
        const [found] = await outboxRows(ctx.db, to);
        return found && accept(found) && found;
      },
      20_000,
      `the outbox row of ${to}`,
    );
  }

  function givenUpLines(outboxId: string): Array<Record<string, unknown>> {
    return ctx.logLines().filter((l) => l.level === 'error' && l.outboxId === outboxId);
  }

  it('survives an SMTP outage: tries counted while it is down, delivered once it is back', async () => {
    await smtp.stop();
    const messageId = await enqueueNotice('outage@example.org');
    const failing = await row('outage@example.org', (r) => r.attempts >= 3);
    expect(failing.status).toMatch(/pending|sending/);
    expect(failing.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);

    await smtp.restart();
    const received = await smtp.nextMessage('outage@example.org', 10_000);
    expect(received.parsed.messageId).toBe(messageId);
    const sent = await row('outage@example.org', (r) => r.status === 'sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(4);
    expect(sent.attempts).toBeLessThan(8);
    // Every try used the same Message-ID; exactly one arrived.
    expect(smtp.messagesTo('outage@example.org')).toHaveLength(1);
  });

  it('respects the backoff, then gives up after 8 tries with one error line and no secret', async () => {
    smtp.failWith('rcpt', 451, '4.3.0 mailbox busy, try later');
    await ctx.tx.run(() =>
      ctx.mail.enqueue({
        purpose: 'password-reset',
        to: 'busy@example.org',
        data: { username: 'u', token: 'RESET-TOKEN-SECRET', validFor: '30 minutes' },
      }),
    );
    const failed = await row('busy@example.org', (r) => r.status === 'failed');
    expect(failed).toMatchObject({ attempts: 8, content: null, sent_at: null });
    expect(failed.last_error).toMatch(/451 4\.3\.0 mailbox busy/);

    const tries = smtp.recipientAttempts.filter((a) => a.to === 'busy@example.org');
    expect(tries).toHaveLength(8);
    for (let n = 1; n < tries.length; n++) {
      // The gap after try n is at least the backoff for n (the clock is the same machine's).
      expect(tries[n].at - tries[n - 1].at).toBeGreaterThanOrEqual(pacing.retryDelayMs(n) - 2);
    }

    const lines = await eventually(() => {
      const found = givenUpLines(failed.id);
      return found.length > 0 && found;
    });
    await sleep(300);
    expect(givenUpLines(failed.id)).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'mail given up after 8 tries',
      purpose: 'password-reset',
      messageId: failed.message_id,
    });
    const everything = ctx
      .logLines()
      .map((l) => JSON.stringify(l))
      .join('\n');
    expect(everything).not.toContain('RESET-TOKEN-SECRET');
    expect(everything).not.toContain('busy@example.org');
    expect(everything).not.toContain(encodeURIComponent(smtp.url()));
    expect(smtp.messagesTo('busy@example.org')).toHaveLength(0);
  });

  it('gives up at once when the server refuses the recipient for good (5xx to RCPT TO)', async () => {
    smtp.failWith('rcpt', 550, '5.1.1 no such user', 1);
    await enqueueNotice('nobody@example.org');
    const failed = await row('nobody@example.org', (r) => r.status === 'failed');
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toMatch(/550 5\.1\.1/);
    await eventually(() => givenUpLines(failed.id).length === 1);
  });

  it('retries a 5xx to DATA (a relay policy problem must not drop mail) and then delivers', async () => {
    smtp.failWith('data', 554, '5.7.1 message refused', 1);
    await enqueueNotice('refused-once@example.org');
    await smtp.nextMessage('refused-once@example.org', 10_000);
    const sent = await row('refused-once@example.org', (r) => r.status === 'sent');
    expect(sent.attempts).toBe(2);
  });

  it('keeps polling while the database is away, logging one line, and recovers by itself', async () => {
    await smtp.stop();
    await enqueueNotice('db-away@example.org');
    await row('db-away@example.org', (r) => r.attempts >= 1 && r.status === 'pending');
    const linesBefore = ctx.logLines().length;

    const restore = await databaseAway(ctx.db);
    await sleep(1_500); // some 30 polls fail
    await smtp.restart();
    await restore();

    // Nothing nudges the worker: the mail goes out because polling resumed.
    await smtp.nextMessage('db-away@example.org', 10_000);
    // The recovery line follows the pass that delivered; log files are written asynchronously.
    const during = await eventually(() => {
      const lines = ctx.logLines().slice(linesBefore);
      return lines.some((l) => l.message === 'mail outbox available again') && lines;
    });
    const away = during.filter((l) => l.message === 'mail outbox unavailable; retrying');
    const back = during.filter((l) => l.message === 'mail outbox available again');
    expect(away).toHaveLength(1);
    expect(away[0].level).toBe('warn');
    expect(back).toHaveLength(1);
    expect(back[0].unavailableMs).toBeGreaterThanOrEqual(1_000);
  });

  it('records a send the database could not take at once, and never sends it again', async () => {
    smtp.holdMessages(1_000);
    const messageId = await enqueueNotice('held@example.org');
    // The server has the envelope and holds the message: take the database away now, so the
    // acceptance cannot be recorded when it comes.
    await eventually(() => smtp.recipientAttempts.some((a) => a.to === 'held@example.org'));
    const restore = await databaseAway(ctx.db);
    await smtp.nextMessage('held@example.org', 5_000);
    await sleep(500);
    smtp.holdMessages(0);
    await restore();

    const sent = await row('held@example.org', (r) => r.status === 'sent');
    expect(sent).toMatchObject({ attempts: 1, message_id: messageId, content: null });
    await sleep(500);
    expect(smtp.messagesTo('held@example.org')).toHaveLength(1);
  });
});
