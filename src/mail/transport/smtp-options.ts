import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { verifiedTlsOptions } from '../../crypto/tls-policy';

/** Connection limits: a send never outlives MailWorker's lease (see mail-worker.options.ts). */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
} as const;

/**
 * SMTP_URL and SMTP_CA as nodemailer options, built field by field. nodemailer's own `url`
 * option is not used: `createTransport({ url, tls: { ca } })` drops the `tls` object, so a
 * private CA would silently be ignored, and query parameters in a URL can switch verification
 * off. Here TLS is always required and verified (chain and host name; versions and suites per
 * TLS_CLIENT_POLICY):
 * `smtps://` is TLS from the first byte (port 465 by default), `smtp://` must upgrade with
 * STARTTLS (port 587 by default) or the send fails before AUTH or any data is sent.
 */
export function smtpOptions(url: string, caFile: string | undefined): SMTPTransportOptions {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  if (!secure && parsed.protocol !== 'smtp:')
    throw new Error('SMTP_URL must be smtp:// or smtps://');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const user = decodeURIComponent(parsed.username);
  return {
    host,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(parsed.password) } } : {}),
    tls: verifiedTlsOptions(host, caFile, 'SMTP_CA'),
    ...SMTP_TIMEOUTS,
    // The message is built from our own strings only: never let it read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

/** Where the transport connects, for log lines: never the credentials. */
export function smtpEndpoint(options: SMTPTransportOptions): string {
  return `${options.secure ? 'smtps' : 'smtp'}://${options.host}:${options.port}`;
}
