import { createHmac } from 'node:crypto';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Limits raised far out of reach: the adversarial suites send many requests from one IP and must
 * test their own subject, not the rate limiter (which has its own suite).
 */
export const NO_LIMITS: Record<string, string> = {
  RATE_LIMIT_MAX: '1000000',
  AUTH_RATE_LIMIT_MAX: '1000000',
  LOGIN_FAILURE_MAX: '1000000',
};

/** The real app (createApp + AppModule, as main.ts) on its own TLS database, limits raised. */
export function startSecurityApp(overrides: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ ...NO_LIMITS, LOG_LEVEL: 'error', ...overrides });
}

/** What an error body must never contain (API.md conventions): internals of any kind. */
export const LEAK_PATTERNS: Array<[string, RegExp]> = [
  ['stack frame', /at .+\(.+:\d+:\d+\)/],
  ['SQL', /SELECT |INSERT |UPDATE |syntax error|relation "|QueryFailedError/],
  ['file path', /\/work\/|\/src\/|node_modules|\.ts:/],
  ['class name', /Exception\b|Error:/],
  ['framework error code', /FST_ERR_|ERR_[A-Z_]{4,}/],
];

/** The names of the leak patterns `text` matches (empty when clean). */
export function leaksIn(text: string): string[] {
  return LEAK_PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);
}

/**
 * Problems with an error response (empty = fine): the uniform body `{statusCode,error,message,
 * requestId}` exactly, statusCode = HTTP status, requestId = X-Request-Id, no leaked internals.
 * Returned rather than asserted so that property-based tests can report them as a counterexample.
 */
export function errorBodyProblems(res: request.Response): string[] {
  const problems: string[] = [];
  const body = res.body as Record<string, unknown> | undefined;
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) {
    problems.push(`content-type is ${String(res.headers['content-type'])}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    problems.push(`body is not an object: ${res.text.slice(0, 200)}`);
    return problems;
  }
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'error,message,requestId,statusCode') problems.push(`keys are ${keys}`);
  if (body.statusCode !== res.status)
    problems.push(`statusCode ${String(body.statusCode)} != HTTP ${res.status}`);
  if (typeof body.error !== 'string') problems.push('error is not a string');
  const message = body.message;
  const messageOk =
    typeof message === 'string' ||
    (res.status === 400 && Array.isArray(message) && message.every((m) => typeof m === 'string'));
  if (!messageOk) problems.push(`message has the wrong type: ${JSON.stringify(message)}`);
  if (typeof body.requestId !== 'string' || body.requestId !== res.headers['x-request-id']) {
    problems.push(
      `requestId ${String(body.requestId)} != X-Request-Id ${String(res.headers['x-request-id'])}`,
    );
  }
  const leaks = leaksIn(res.text);
  if (leaks.length > 0) problems.push(`leaks ${leaks.join(', ')}: ${res.text.slice(0, 300)}`);
  return problems;
}

/** Jest assertion form of errorBodyProblems, plus the expected status. */
export function expectUniformError(res: request.Response, status: number | number[]): void {
  const allowed = Array.isArray(status) ? status : [status];
  // Status and body together, so that a failure shows what came back.
  expect(`${res.status} ${res.text.slice(0, 300)}`).toMatch(new RegExp(`^(${allowed.join('|')}) `));
  expect(errorBodyProblems(res)).toEqual([]);
}

// ---- JWT crafting, by hand, so that nothing refuses to build a hostile token ----

export const b64url = (value: object | string): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS with `header` and `payload`, HMAC-signed with `key` (any bytes, even empty). */
export function hmacJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string | Buffer,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
