import type { MailConfig } from '../config/config-sections';
import { isPlainAddress, parseMailFrom, type MailSender } from '../config/mail-validators';

export type { MailSender };

export const MAIL_SETTINGS = Symbol('MAIL_SETTINGS');

/** What every mail shares, derived once from the validated environment. */
export interface MailSettings {
  /** PUBLIC_APP_URL without a trailing slash: every link in a mail starts with it. */
  appUrl: string;
  /** The sender's display name, else PUBLIC_APP_URL's host: how the mail names the service. */
  appName: string;
  from: MailSender;
  /** Right-hand side of every Message-ID: the sender's domain. */
  messageIdDomain: string;
}

const DEFAULT_FROM = '"Secure NestJS Foundation" <no-reply@localhost>';

export function mailSettings(config: MailConfig): MailSettings {
  const appUrl = config.publicAppUrl.replace(/\/+$/, '');
  const from = parseSender(config.from ?? DEFAULT_FROM);
  return {
    appUrl,
    appName: from.name || new URL(appUrl).host,
    from,
    messageIdDomain: from.address.slice(from.address.lastIndexOf('@') + 1),
  };
}

function parseSender(value: string): MailSender {
  const sender = parseMailFrom(value);
  if (!sender) throw new Error('MAIL_FROM must be an address or "Display Name <address>"');
  return sender;
}

/** The recipient as given, when it is exactly one plain address; throws otherwise. */
export function checkedRecipient(to: string): string {
  if (!isPlainAddress(to)) throw new Error('a mail recipient must be one plain email address');
  return to;
}

/** Where mail goes, for the start-up banner: the relay (never its credentials), or the dev folder. */
export function describeMailDestination(config: MailConfig): string {
  if (!config.smtpUrl) return `written to ${config.fileDir} (no SMTP_URL)`;
  const url = new URL(config.smtpUrl);
  return `${url.protocol}//${url.host}${url.protocol === 'smtp:' ? ' (STARTTLS)' : ''}`;
}
