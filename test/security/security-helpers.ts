import { createHmac } from 'node:crypto';
import type request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

/**
 * Limits raised far out of reach: the adversarial suites send many requests from one IP and must
 * test their own subject, not the rate limiter (which has its own suite).
 */
export const NO_LIMITS: Record<string, string> = {
  RATE_LIMIT_MAX: '1000000',
  AUTH_RATE_LIMIT_MAX: '1000000',
  LOGIN_FAILURE_MAX: '1000000',
  LOGIN_FAILURE_ACCOUNT_MAX: '1000000',
};

/** The real app (createApp + AppModule, as main.ts) on its own TLS database, limits raised. */
export function startSecurityApp(
  overrides: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  return startTestApp({ ...NO_LIMITS, LOG_LEVEL: 'error', ...overrides }, db);
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

/** z statistic of the Mann–Whitney U test of two samples (ties get average ranks). */
export function mannWhitneyZ(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort(
    (x, y) => x.v - y.v,
  );
  const ranks = new Array<number>(all.length);
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j += 1;
    for (let k = i; k <= j; k += 1) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const rankSumA = all.reduce((sum, item, i) => (item.g === 0 ? sum + ranks[i] : sum), 0);
  const u = rankSumA - (a.length * (a.length + 1)) / 2;
  const mean = (a.length * b.length) / 2;
  const sd = Math.sqrt((a.length * b.length * (a.length + b.length + 1)) / 12);
  return (u - mean) / sd;
}

/** Status, body and headers of an answer, less the headers that differ on every request. */
export function answerShape(res: request.Response): {
  status: number;
  body: unknown;
  headers: string[];
} {
  const varying = ['date', 'x-request-id', 'ratelimit-reset', 'ratelimit-remaining'];
  const headers = Object.keys(res.headers)
    .filter((h) => !varying.includes(h))
    .sort()
    .map((h) => `${h}: ${String(res.headers[h])}`);
  return { status: res.status, body: res.body as unknown, headers };
}

/** What timing two kinds of request against each other measured. */
export interface TimingComparison<K extends string> {
  times: Record<K, number[]>;
  medians: Record<K, number>;
  /** The larger median over the smaller. */
  ratio: number;
  /** Mann–Whitney z of the first kind against the second. */
  z: number;
}

/**
 * Times `attempt` for two kinds, `tries` times each, interleaved (AB, BA, AB…) so drift hits both
 * alike, with `settle` after every request so each is timed alone. Every answer must be `status`.
 */
export async function timeInterleaved<K extends string>(
  kinds: readonly [K, K],
  tries: number,
  attempt: (kind: K) => PromiseLike<request.Response>,
  settle: () => Promise<void>,
  status: number,
): Promise<TimingComparison<K>> {
  const [a, b] = kinds;
  const times = { [a]: [] as number[], [b]: [] as number[] } as Record<K, number[]>;
  await settle();
  for (let i = 0; i < tries; i++) {
    for (const kind of i % 2 ? [b, a] : [a, b]) {
      const started = process.hrtime.bigint();
      const res = await attempt(kind);
      times[kind].push(Number(process.hrtime.bigint() - started) / 1e6);
      expect(res.status).toBe(status);
      await settle();
    }
  }
  const medians = { [a]: median(times[a]), [b]: median(times[b]) } as Record<K, number>;
  const ratio = Math.max(medians[a], medians[b]) / Math.min(medians[a], medians[b]);
  return { times, medians, ratio, z: mannWhitneyZ(times[a], times[b]) };
}
