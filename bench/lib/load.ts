import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  seconds?: number;
  amount?: number;
  connections: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  overallRate?: number;
}

export interface LoadResult {
  rps: number; // 2xx responses per second of the run
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Non-2xx answers by status code (e.g. { "500": 3 }); empty when every answer was 2xx. */
  statusCodes: Record<string, number>;
  errors: number;
}

/** One bounded autocannon run (duration or request count, never both open-ended), loopback only. */
export async function load(o: LoadOptions): Promise<LoadResult> {
  if (!o.url.startsWith('http://127.0.0.1:'))
    throw new Error(`refusing non-loopback target ${o.url}`);
  const started = performance.now();
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    overallRate: o.overallRate,
    ...(o.amount ? { amount: o.amount } : { duration: o.seconds ?? 10 }),
    timeout: 30,
  });
  const seconds = o.amount ? (performance.now() - started) / 1000 : (o.seconds ?? 10);
  return {
    rps: round(r['2xx'] / seconds, 1),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {})
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, stat]) => [code, stat?.count ?? 0]),
    ),
    errors: r.errors + r.timeouts,
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};
