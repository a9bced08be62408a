import { format } from 'winston';

// Keys whose values are secrets wherever they appear, whatever their casing or separators.
const SECRET_KEY = /pass(word|wd)?|secret|token|authorization|cookie|ssn|bank_?account|pepper|api_?key|private_?key|^key$|credential/i;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const MAX_DEPTH = 8;
export const REDACTED = '[REDACTED]';

/** Removes secrets at any depth and escapes control characters, so a value can never forge a line. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return escapeControl(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) return { name: value.name, message: escapeControl(value.message), stack: value.stack };
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[escapeControl(key)] = SECRET_KEY.test(key) ? REDACTED : redact(inner, depth + 1, seen);
  }
  return out;
}

function escapeControl(text: string): string {
  return text.replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** winston format applying `redact` to every field of every entry, including the message. */
export const redactFormat = format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    info[key] = SECRET_KEY.test(key) ? REDACTED : redact(info[key]);
  }
  return info;
});
