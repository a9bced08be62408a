import { ValidateBy, type ValidationOptions } from 'class-validator';

export interface MailSender {
  name: string;
  address: string;
}

// One bare address: no list separator, no display name, no white space or line break (which
// could add recipients or headers). 254 is the longest address SMTP carries (RFC 5321). An
// apostrophe is ordinary atext (o'brien@example.org, which registration accepts), not a quote.
const FORBIDDEN_IN_ADDRESS = /[\s,;<>()"\\[\]]/;

export function isPlainAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  return (
    value.length <= 254 &&
    at > 0 &&
    at < value.length - 1 &&
    value.indexOf('@') === at &&
    !FORBIDDEN_IN_ADDRESS.test(value)
  );
}

/** MAIL_FROM: `address` or `Display Name <address>` (the name may be quoted); else undefined. */
export function parseMailFrom(value: string): MailSender | undefined {
  const text = value.trim();
  if (/[\r\n]/.test(text)) return undefined;
  const open = text.indexOf('<');
  if (open < 0) return isPlainAddress(text) ? { name: '', address: text } : undefined;
  if (!text.endsWith('>') || text.indexOf('<', open + 1) >= 0) return undefined;
  const address = text.slice(open + 1, -1);
  const name = text
    .slice(0, open)
    .trim()
    .replace(/^"(.*)"$/, '$1');
  if (/["<>]/.test(name) || !isPlainAddress(address)) return undefined;
  return { name, address };
}

/**
 * SMTP_URL: smtp://[user:password@]host[:port] or smtps://…, nothing after the authority: TLS
 * settings in a query string could only weaken it, and they are not read (see smtp-options.ts).
 */
export function isSmtpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'smtp:' || url.protocol === 'smtps:') &&
    url.hostname !== '' &&
    (url.pathname === '' || url.pathname === '/') &&
    url.search === '' &&
    url.hash === ''
  );
}

export function IsSmtpUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSmtpUrl',
      validator: {
        validate: (value) => typeof value === 'string' && isSmtpUrl(value),
        defaultMessage: () =>
          'must be smtp://[user:password@]host[:port] (STARTTLS) or smtps://… (implicit TLS), user and password percent-encoded, nothing after the port',
      },
    },
    options,
  );
}

export function IsMailFrom(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMailFrom',
      validator: {
        validate: (value) => typeof value === 'string' && parseMailFrom(value) !== undefined,
        defaultMessage: () => 'must be an address or "Display Name <address>"',
      },
    },
    options,
  );
}

/**
 * An address the mail layer will send to (see isPlainAddress): registration and email change
 * refuse the rare valid-looking address it would not (a quoted local part), with a 400 instead
 * of failing later when the mail is queued.
 */
export function IsMailableAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMailableAddress',
      validator: {
        validate: (value) => typeof value === 'string' && isPlainAddress(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'email'} must be a plain address (no quotes, brackets, separators or spaces)`,
      },
    },
    options,
  );
}
