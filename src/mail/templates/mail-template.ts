/**
 * One kind of mail: its subject, plain-text and HTML bodies as Handlebars templates, and `view`,
 * which turns the caller's typed data into the strings the templates show. Templates are
 * logic-less: formatting happens in `view` (typed TypeScript), escaping in Handlebars.
 *
 * Every template also sees `appName`, `appUrl` (PUBLIC_APP_URL) and, when `linkPath` is set,
 * `link` = PUBLIC_APP_URL + linkPath + `#token=` + the data's `token`. The renderer builds links;
 * a caller passes only the token, so no link can come from a request's Host header.
 *
 * Escaping: `{{value}}` in `html` is HTML-escaped; `subject` and `text` are not HTML and are
 * rendered without escaping. Never use `{{{triple}}}` on data.
 */
export interface MailTemplate<Data> {
  subject: string;
  text: string;
  html: string;
  linkPath?: string;
  view(data: Data): Record<string, string>;
}

/** Data of a mail with a one-time link: the token goes into the link, never anywhere else. */
export interface TokenData {
  token: string;
}

export function mailTemplate<Data>(template: MailTemplate<Data>): MailTemplate<Data> {
  return template;
}

/** `2026-01-31 14:05 UTC`: one unambiguous form, whatever the reader's locale. */
export function utc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A value derived from a request is cut short: a mail is no place for a 4 KiB header. */
export function shortened(value: string, max = 200): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
