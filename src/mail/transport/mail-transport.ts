import type { MailSender } from '../mail-settings';

/** One mail as the transport sends it: the same values on every attempt. */
export interface OutgoingMail {
  purpose: string;
  to: string;
  from: MailSender;
  subject: string;
  text: string;
  html: string;
  link?: string;
  /** `<id@domain>`, assigned at enqueue. */
  messageId: string;
  /** The Date header: the enqueue time, so a retry is the same message. */
  date: Date;
}

export interface DeliveryReceipt {
  /** What the server answered (SMTP: the final 250 line with its queue id), or where it went. */
  response: string;
}

/** Where mail goes: an SMTP relay, or (outside production, without SMTP_URL) .eml files. */
export abstract class MailTransport {
  abstract send(mail: OutgoingMail): Promise<DeliveryReceipt>;
  abstract close(): void;
}

/**
 * The message as both transports compose it: the same headers whether it is sent or written to a
 * file. RFC 3834 `Auto-Submitted`: an automatic mail that vacation responders must not answer.
 */
export function messageFields(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.date,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
