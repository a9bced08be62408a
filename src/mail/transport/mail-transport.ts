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
