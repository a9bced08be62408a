/** What a failed send means for the outbox. */
export interface DeliveryFailure {
  /** Retrying cannot help: the server refused this recipient for good (5xx to RCPT TO). */
  permanent: boolean;
  /** One line for `last_error` and the log: no credentials, no link tokens. */
  description: string;
  /**
   * The relay's TLS was refused: a certificate that does not verify, no STARTTLS offered, a failed
   * handshake. A security control working (or someone in the path): logged when it happens.
   */
  tls: boolean;
}

/** nodemailer's code for a failed or missing STARTTLS, and OpenSSL's words for a refused peer. */
const TLS_FAILURE =
  /\bETLS\b|STARTTLS|certificate|self[- ]signed|unable to (verify|get local issuer)|handshake|SSL routines|wrong version number|ERR_TLS/i;

interface SmtpErrorShape {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  message?: unknown;
}

/**
 * Only a 5xx answer to RCPT TO is final (the address does not exist or is refused). Everything
 * else is retried: connection and TLS errors, 4xx, and also a refused AUTH or MAIL FROM or a 5xx
 * to DATA, because those usually mean a misconfiguration or an outage of the relay, which would
 * otherwise drop every mail in the outbox at once.
 */
export function classifyDeliveryError(error: unknown): DeliveryFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorShape;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : '';
  const permanent = responseCode !== undefined && responseCode >= 500 && /^RCPT/i.test(command);
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const description = safeLine(`${code}${message}`);
  return { permanent, description, tls: TLS_FAILURE.test(description) };
}

/**
 * One line, bounded, with the query string of any URL removed: a server that quotes the message
 * back (a spam filter naming a link) must not put a live token into a log or a column.
 */
export function safeLine(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, '$1?…')
    .replace(/token=[^\s&]+/gi, 'token=…')
    .replace(/\p{Cc}+/gu, ' ')
    .trim()
    .slice(0, 500);
}
