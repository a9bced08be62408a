import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { TestSmtpServer } from '../support/smtp-server';
import {
  eventually,
  outboxRows,
  startMailContext,
  type MailContext,
} from '../support/mail-context';

jest.setTimeout(60_000);

const FAST = { pollIntervalMs: 50, retryBaseMs: 20, batchSize: 5 };

describe('mail outbox: several instances on one database, and shutdown', () => {
  let smtp: TestSmtpServer;
  let db: TestDatabase;

  // A fresh server and database per test: each counts every mail and outbox row there is.
  beforeEach(async () => {
    // Two SMTP users, one per instance: the server then tells which instance sent what.
    smtp = await TestSmtpServer.start({ users: { one: 'pw-one', two: 'pw-two' } });
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await smtp?.stop();
    await db?.drop();
  });

  function start(user: string, password: string): Promise<MailContext> {
    return startMailContext({ SMTP_URL: smtp.url(user, password), SMTP_CA: smtp.caFile }, FAST, db);
  }

  it('two instances never send one mail twice', async () => {
    const one = await start('one', 'pw-one');
    const two = await start('two', 'pw-two');
    try {
      // The server takes a moment per message, so both workers are busy at the same time.
      smtp.holdMessages(30);
      const count = 40;
      const sent = new Set<string>();
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const ctx = i % 2 === 0 ? one : two;
          const id = await ctx.tx.run(() =>
            ctx.mail.enqueue({
              purpose: 'new-signin',
              to: `user${i}@example.org`,
              data: { username: `u${i}`, at: new Date(), ip: '203.0.113.1', device: 'test' },
            }),
          );
          sent.add(id);
        }),
      );
      expect(sent.size).toBe(count);

      await eventually(() => smtp.received.length >= count, 30_000, `${count} deliveries`);
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show

      const ids = smtp.received.map((m) => m.parsed.messageId as string);
      expect(ids).toHaveLength(count);
      expect(new Set(ids)).toEqual(sent);
      const byInstance = { one: 0, two: 0 };
      for (const m of smtp.received) byInstance[m.user as 'one' | 'two']++;
      expect(byInstance.one).toBeGreaterThan(0);
      expect(byInstance.two).toBeGreaterThan(0);

      const rows = await outboxRows(db);
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(count);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
    } finally {
      smtp.holdMessages(0);
      await one.close();
      await two.close();
    }
  });

  it('shutdown waits for the send in flight, hands the rest back, and the next start sends it', async () => {
    const ctx = await start('one', 'pw-one');
    smtp.holdMessages(800);
    const recipients = ['first@example.org', 'second@example.org', 'third@example.org'];
    await ctx.tx.run(async () => {
      for (const to of recipients) {
        await ctx.mail.enqueue({
          purpose: 'mfa-enabled',
          to,
          data: { username: 'u', at: new Date(), method: 'an authenticator app' },
        });
      }
    });
    // One batch holds all three; the first is on the wire when the shutdown begins.
    await eventually(() => smtp.recipientAttempts.some((a) => a.to === recipients[0]));
    await ctx.close();

    // The send in flight was finished and recorded, not cut off; the others were not tried.
    expect(smtp.messagesTo(recipients[0])).toHaveLength(1);
    const rows = new Map((await outboxRows(db)).map((r) => [r.recipient, r]));
    expect(rows.get(recipients[0])).toMatchObject({ status: 'sent', attempts: 1 });
    for (const to of recipients.slice(1)) {
      expect(rows.get(to)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(smtp.messagesTo(to)).toHaveLength(0);
    }

    // The next instance sends them on start, with nothing enqueued in it.
    smtp.holdMessages(0);
    const next = await start('two', 'pw-two');
    try {
      for (const to of recipients.slice(1)) await smtp.nextMessage(to, 10_000);
      expect(smtp.received).toHaveLength(3);
    } finally {
      await next.close();
    }
  });
});
