import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadMailComposer } from '../lazy-modules';
import {
  MailTransport,
  messageFields,
  type DeliveryReceipt,
  type OutgoingMail,
} from './mail-transport';

/**
 * Development without SMTP_URL (never in production): each mail becomes a real RFC 822 message
 * in DATA_DIR/mail/<time>-<purpose>.eml (mode 0600: it holds a live link), and one console line
 * names its purpose, recipient and link, so `npm start` needs no mail server to sign up or reset
 * a password. The line goes to stdout, not to the logs: links must never reach a log file.
 */
export class EmlFileTransport extends MailTransport {
  constructor(
    private readonly dir: string,
    private readonly announce: ((line: string) => void) | undefined,
  ) {
    super();
  }

  async send(mail: OutgoingMail): Promise<DeliveryReceipt> {
    const MailComposer = loadMailComposer();
    const message = await new MailComposer({
      ...messageFields(mail),
      disableFileAccess: true,
      disableUrlAccess: true,
    })
      .compile()
      .build();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = await this.writeNew(mail.purpose, message);
    this.announce?.(
      `mail ${mail.purpose} to ${mail.to}${mail.link ? `: ${mail.link}` : ''} (${relative(process.cwd(), file)})\n`,
    );
    return { response: `written to ${file}` };
  }

  close(): void {}

  // <time>-<purpose>.eml; two mails of one purpose in the same millisecond get -2, -3…
  private async writeNew(purpose: string, message: Buffer): Promise<string> {
    const time = new Date().toISOString().replace(/[-:]/g, '').replace('.', '-');
    for (let n = 1; ; n++) {
      const file = join(this.dir, `${time}-${purpose}${n > 1 ? `-${n}` : ''}.eml`);
      try {
        await writeFile(file, message, { flag: 'wx', mode: 0o600 });
        return file;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }
}
