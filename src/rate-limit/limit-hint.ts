/** A limit as a developer meets it: the variable that sets it, its value and its window. */
export interface HintedLimit {
  variable: string;
  limit: number;
  windowMs: number;
}

/**
 * A 429's message, followed outside production by the variable that raises the limit it hit: a
 * developer retrying a flow meets the limit of 5 sooner than anyone else. Production answers the
 * message alone (docs/API.md "Rate limits").
 */
export function limitMessage(message: string, hint: HintedLimit | undefined): string {
  if (!hint) return message;
  return `${message} (development: ${hint.limit} per ${windowText(hint.windowMs)}; ${hint.variable} raises it)`;
}

/** A window as a person says it: `15 minutes`, `90 seconds`. */
export function windowText(windowMs: number): string {
  const seconds = Math.round(windowMs / 1000);
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
