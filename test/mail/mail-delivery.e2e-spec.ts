import { foreignCaFile, SMTP_USER, TestSmtpServer } from '../support/smtp-server';
import {
  eventually,
  outboxRows,
  startMailContext,
  type MailContext,
} from '../support/mail-context';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MAIL_ENV = {
  MAIL_FROM: '"Example App" <no-reply@example.org>',
  PUBLIC_APP_URL: 'https://app.example.org',
};
// A poll interval far longer than any wait below: whatever arrives quickly was sent because
// the commit woke the worker, not because a poll happened to come by.
const NO_POLLING = { pollIntervalMs: 60_000 };

/** Enqueues one verify-email mail in its own committed transaction; returns its Message-ID. */
function enqueueVerify(ctx: MailContext, to: string, username = 'alice'): Promise<string> {
  return ctx.tx.run(() =>
    ctx.mail.enqueue({
      purpose: 'verify-email',
      to,
      data: { username, token: `token-for-${to}`, validFor: '24 hours' },
    }),
  );
}

describe('mail outbox: delivery through a real SMTP server over verified TLS', () => {
  let smtp: TestSmtpServer;
  let ctx: MailContext;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    ctx = await startMailContext(
      { ...MAIL_ENV, SMTP_URL: smtp.url(), SMTP_CA: smtp.caFile },
      NO_POLLING,
    );
  });

  afterAll(async () => {
    await ctx?.close();
    await smtp?.stop();
  });

  it('delivers a mail enqueued in a transaction once it commits: subject, text, HTML, From, Message-ID', async () => {
    let messageId = '';
    const committedAt = await ctx.tx.run(async () => {
      messageId = await ctx.mail.enqueue({
        purpose: 'verify-email',
        to: 'alice@example.org',
        data: { username: '<b>alice</b>', token: 'tok-1', validFor: '24 hours' },
      });
      await sleep(300); // the transaction is still open: nothing may go out yet
      expect(smtp.messagesTo('alice@example.org')).toHaveLength(0);
      return Date.now();
    });

    const received = await smtp.nextMessage('alice@example.org', 5_000);
    expect(received.receivedAt).toBeGreaterThanOrEqual(committedAt);
    const { parsed } = received;
    expect(parsed.subject).toBe('Confirm your email address for Example App');
    expect(parsed.from?.value).toEqual([{ address: 'no-reply@example.org', name: 'Example App' }]);
    expect(received.envelopeFrom).toBe('no-reply@example.org');
    expect(received.envelopeTo).toEqual(['alice@example.org']);
    expect(parsed.messageId).toBe(messageId);
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@example\.org>$/);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.text).toContain('Hello <b>alice</b>');
    expect(parsed.text).toContain('https://app.example.org/verify-email#token=tok-1');
    expect(parsed.html).toContain('Hello &lt;b&gt;alice&lt;/b&gt;');
    expect(parsed.html).toContain('href="https://app.example.org/verify-email#token&#x3D;tok-1"');

    // Over TLS (STARTTLS), authenticated as the configured user.
    expect(received.secure).toBe(true);
    expect(received.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
    expect(received.user).toBe(SMTP_USER);

    const [row] = await eventually(async () => {
      const rows = await outboxRows(ctx.db, 'alice@example.org');
      return rows[0]?.status === 'sent' && rows;
    });
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      content: null,
      message_id: messageId,
    });
    expect(row.smtp_response).toMatch(/^250 .*queued as/);
    expect(row.sent_at).not.toBeNull();
  });

  it('never sends a mail whose transaction rolled back', async () => {
    await expect(
      ctx.tx.run(async () => {
        await ctx.mail.enqueue({
          purpose: 'password-changed',
          to: 'rolled-back@example.org',
          data: { username: 'bob', at: new Date() },
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // A mail committed afterwards goes out; the rolled-back one never existed.
    await enqueueVerify(ctx, 'after-rollback@example.org');
    await smtp.nextMessage('after-rollback@example.org', 5_000);
    await sleep(300);
    expect(smtp.messagesTo('rolled-back@example.org')).toHaveLength(0);
    expect(await outboxRows(ctx.db, 'rolled-back@example.org')).toEqual([]);
  });

  it('refuses a template error inside the transaction, which then rolls back', async () => {
    await expect(
      ctx.tx.run(() =>
        ctx.mail.enqueue({
          purpose: 'verify-email',
          to: 'no-token@example.org',
          data: { username: 'x', validFor: '1 hour' } as never,
        }),
      ),
    ).rejects.toThrow(/token/);
    await expect(
      ctx.mail.enqueue({
        purpose: 'email-taken',
        to: 'a@example.org, b@example.org',
        data: { username: 'x' },
      }),
    ).rejects.toThrow(/one plain email address/);
    expect(await outboxRows(ctx.db, 'no-token@example.org')).toEqual([]);
  });

  it('keeps no content once sent, and only ciphertext before', async () => {
    // A mail of its own, held by the server so that its row is read before it is sent.
    const to = 'ciphertext-before@example.org';
    smtp.holdMessages(1_000);
    try {
      await enqueueVerify(ctx, to);
      const [before] = await outboxRows(ctx.db, to);
      expect(before.status).not.toBe('sent');
      expect(before.content).toMatch(/^v1\./);
      expect(JSON.stringify(before)).not.toContain('token=');
      await smtp.nextMessage(to, 5_000);
    } finally {
      smtp.holdMessages(0);
    }
    const [after] = await eventually(async () => {
      const sent = await outboxRows(ctx.db, to);
      return sent[0]?.status === 'sent' && sent;
    });
    expect(after.content).toBeNull();
    const rows = await outboxRows(ctx.db);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      if (row.status === 'sent') expect(row.content).toBeNull();
      else expect(row.content).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain('token=');
    }
  });

  it('exposes the outbox depth', async () => {
    expect(await ctx.mail.outboxDepth()).toBe(0);
  });
});

describe('mail outbox: the TLS is verified, and STARTTLS cannot be stripped', () => {
  const contexts: MailContext[] = [];
  const servers: TestSmtpServer[] = [];

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    for (const server of servers) await server.stop();
  });

  async function start(server: TestSmtpServer, caFile: string): Promise<MailContext> {
    servers.push(server);
    const ctx = await startMailContext(
      // warn: the TLS refusals are logged at that level.
      { ...MAIL_ENV, SMTP_URL: server.url(), SMTP_CA: caFile, LOG_LEVEL: 'warn' },
      NO_POLLING,
    );
    contexts.push(ctx);
    return ctx;
  }

  /** Waits for the first try to fail; returns the row, then scheduled for a retry. */
  async function firstFailure(ctx: MailContext, to: string) {
    return eventually(async () => {
      const [row] = await outboxRows(ctx.db, to);
      return row?.attempts === 1 && row.status === 'pending' && row;
    });
  }

  it('refuses a server certificate from another CA: no AUTH, no message, a retry scheduled', async () => {
    const server = await TestSmtpServer.start();
    const ctx = await start(server, await foreignCaFile());
    const before = Date.now();
    await enqueueVerify(ctx, 'dave@example.org');
    const row = await firstFailure(ctx, 'dave@example.org');
    expect(row.last_error).toMatch(/certificate|unable to verify|self.signed/i);
    // Logged when it happens, not only when the mail is given up after its last try.
    expect(ctx.logLines()).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'mail.smtp_tls_refused', attempt: 1 }),
    );
    // The default first retry is 30 s away.
    expect(row.next_attempt_at.getTime()).toBeGreaterThan(before + 25_000);
    expect(server.connections).toBeGreaterThan(0);
    expect(server.authAttempts).toBe(0); // credentials never went to an unverified peer
    expect(server.received).toHaveLength(0);
  });

  it('refuses to send when the server does not offer STARTTLS (smtp:// requires it)', async () => {
    const server = await TestSmtpServer.start({ offerStartTls: false });
    const ctx = await start(server, server.caFile);
    await enqueueVerify(ctx, 'erin@example.org');
    const row = await firstFailure(ctx, 'erin@example.org');
    expect(row.last_error).toMatch(/STARTTLS/i);
    expect(server.authAttempts).toBe(0);
    expect(server.received).toHaveLength(0);
  });

  it('retries a refused login (a configuration error must not drop mail)', async () => {
    const server = await TestSmtpServer.start({ users: { [SMTP_USER]: 'another password' } });
    servers.push(server);
    const ctx = await startMailContext(
      { ...MAIL_ENV, SMTP_URL: server.url(SMTP_USER, 'wrong password'), SMTP_CA: server.caFile },
      NO_POLLING,
    );
    contexts.push(ctx);
    await enqueueVerify(ctx, 'frank@example.org');
    const row = await firstFailure(ctx, 'frank@example.org');
    expect(row.last_error).toMatch(/EAUTH.*535/);
    expect(row.last_error).not.toContain('wrong password');
    expect(server.authAttempts).toBe(1);
  });

  it('delivers over smtps:// (TLS from the first byte), verified against SMTP_CA', async () => {
    const server = await TestSmtpServer.start({ implicitTls: true });
    const ctx = await start(server, server.caFile);
    expect(ctx.env.SMTP_URL).toMatch(/^smtps:\/\//);
    await enqueueVerify(ctx, 'grace@example.org');
    const received = await server.nextMessage('grace@example.org', 5_000);
    expect(received.secure).toBe(true);
    expect(received.user).toBe(SMTP_USER);
  });
});
