import { Module } from '@nestjs/common';
import { LoggingConfig, MailConfig } from '../config/config-sections';
import { CryptoModule } from '../crypto/crypto.module';
import { MailRenderer } from './mail-renderer';
import { MAIL_SETTINGS, mailSettings, type MailSettings } from './mail-settings';
import { MailWorkerOptions } from './mail-worker.options';
import { MailService } from './mail.service';
import { MailWorker } from './mail.worker';
import { OutboxRepository } from './outbox.repository';
import { EmlFileTransport } from './transport/eml-file.transport';
import { MailTransport } from './transport/mail-transport';
import { smtpOptions } from './transport/smtp-options';
import { SmtpTransport } from './transport/smtp.transport';

const INFO_OR_LOWER = new Set(['info', 'http', 'verbose', 'debug', 'silly']);

/**
 * SMTP when SMTP_URL is set (always in production: the configuration refuses to start without
 * it); otherwise .eml files in DATA_DIR/mail, with a console line per mail unless LOG_LEVEL is
 * quieter than info. SMTP_CA is read here, at start, so a wrong path stops the start.
 */
function createTransport(mail: MailConfig, logging: LoggingConfig): MailTransport {
  if (mail.smtpUrl) return new SmtpTransport(smtpOptions(mail.smtpUrl, mail.smtpCaFile));
  const announce = INFO_OR_LOWER.has(logging.level)
    ? (line: string) => void process.stdout.write(line)
    : undefined;
  return new EmlFileTransport(mail.fileDir, announce);
}

/** The transactional mail outbox: templates, the outbox table, the worker and the transport. */
@Module({
  imports: [CryptoModule],
  providers: [
    { provide: MAIL_SETTINGS, inject: [MailConfig], useFactory: mailSettings },
    {
      provide: MailRenderer,
      inject: [MAIL_SETTINGS],
      useFactory: (settings: MailSettings) => new MailRenderer(settings),
    },
    { provide: MailTransport, inject: [MailConfig, LoggingConfig], useFactory: createTransport },
    { provide: MailWorkerOptions, useFactory: () => new MailWorkerOptions() },
    OutboxRepository,
    MailWorker,
    MailService,
  ],
  exports: [MailService],
})
export class MailModule {}
