import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Transactions } from '../../src/database/transactions';
import { MailService } from '../../src/mail/mail.service';
import { captureOutput } from '../support/capture-output';
import { eventually, outboxRows } from '../support/mail-context';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(30_000);

describe('mail outside production without SMTP_URL: .eml files and one console line', () => {
  let app: TestApp;

  beforeAll(async () => {
    // The app exactly as main.ts builds it, with no mail settings at all (the zero-config start).
    app = await startTestApp({ LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('writes each mail as a parseable RFC 822 file and prints its purpose, recipient and link once', async () => {
    const mailDir = join(app.env.DATA_DIR, 'mail');
    const output = captureOutput();
    let messageId = '';
    try {
      messageId = await app.app.get(Transactions).run(() =>
        app.app.get(MailService).enqueue({
          purpose: 'password-reset',
          to: 'dev@example.org',
          data: { username: 'dev', token: 'dev-token-1', validFor: '30 minutes' },
        }),
      );
      await eventually(async () => {
        const [row] = await outboxRows(app.db, 'dev@example.org');
        return row?.status === 'sent';
      });
    } finally {
      output.restore();
    }

    const files = readdirSync(mailDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{6}-\d{3}Z-password-reset\.eml$/);
    const file = join(mailDir, files[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const parsed = await simpleParser(readFileSync(file));
    const link = 'http://localhost:3000/reset-password#token=dev-token-1'; // PUBLIC_APP_URL follows PORT
    expect(parsed.messageId).toBe(messageId);
    expect(parsed.subject).toBe('Reset your Secure NestJS Foundation password');
    expect(parsed.to).toMatchObject({ value: [{ address: 'dev@example.org' }] });
    expect(parsed.from?.value[0]).toMatchObject({ address: 'no-reply@localhost' });
    expect(parsed.text).toContain(link);
    expect(parsed.html).toContain('reset-password#token&#x3D;dev-token-1');

    const lines = output
      .text()
      .split('\n')
      .filter((line) => line.includes('dev@example.org'));
    expect(lines).toEqual([expect.stringMatching(/^mail password-reset to dev@example\.org: /)]);
    expect(lines[0]).toContain(link);
    expect(lines[0]).toContain(files[0]);
    // The link is for the developer's console only: never in a log file.
    const logs = ['app.log', 'security.log']
      .map((name) => join(app.env.LOG_DIR, name))
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    expect(logs).not.toContain('dev-token-1');
  });
});
