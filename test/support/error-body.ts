import type request from 'supertest';

/** The uniform error body (docs/API.md "Conventions"). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
}

/** What an error body must never contain (docs/API.md "Conventions"): internals of any kind. */
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

/** Asserts the uniform error body with `status` and returns it. */
export function expectErrorBody(res: request.Response, status: number): ErrorBody {
  expectUniformError(res, status);
  return res.body as ErrorBody;
}

/**
 * A 429's `Retry-After`: whole seconds, at most the window that refused it and not much less (the
 * requests that filled it took under `slackSeconds`). A present header with a wrong value fails.
 */
export function expectRetryAfter(
  res: request.Response,
  windowSeconds: number,
  slackSeconds = 10,
): void {
  const value = res.headers['retry-after'] as string | undefined;
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeLessThanOrEqual(windowSeconds);
  expect(Number(value)).toBeGreaterThanOrEqual(Math.max(1, windowSeconds - slackSeconds));
}
