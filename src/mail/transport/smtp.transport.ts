import type { Transporter } from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { loadNodemailer } from '../lazy-modules';
import {
  MailTransport,
  messageFields,
  type DeliveryReceipt,
  type OutgoingMail,
} from './mail-transport';

/**
 * Sends through the SMTP relay of SMTP_URL. One connection per mail (no pool): the outbox sends
 * few mails, and a pool's idle sockets would outlive a stopped relay or keep a CLI process open.
 * nodemailer is loaded on the first send.
 */
export class SmtpTransport extends MailTransport {
  private transporter?: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly options: SMTPTransportOptions) {
    super();
  }

  async send(mail: OutgoingMail): Promise<DeliveryReceipt> {
    this.transporter ??= loadNodemailer().createTransport(this.options);
    const info = await this.transporter.sendMail({
      ...messageFields(mail),
      // The envelope is exactly the one recipient: headers can never add one.
      envelope: { from: mail.from.address, to: [mail.to] },
    });
    return { response: info.response };
  }

  close(): void {
    this.transporter?.close();
  }
}
