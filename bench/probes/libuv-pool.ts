// Analysis-only preload (`node -r dist-bench/probes/libuv-pool.js dist/main.js`, used by
// bench/profile.ts, never by the measured runs): what competes for the libuv thread pool and how
// long each kind of job waits, from async_hooks. For every async resource of a pool-backed type
// (fs requests, crypto jobs such as PBKDF2/HMAC/digest of pg's SCRAM, DNS lookups, bcrypt's N-API
// workers) it records init → first callback, i.e. queue wait plus run time. It also times every
// new pg connection (TLS + SCRAM) by wrapping pg.Client#connect. The summary is written as JSON to
// BENCH_PROBE_OUT on SIGURG (the bench reads it; Nest's shutdown hooks own SIGUSR2) and counters
// restart.
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';

// Resource types served by the libuv pool (async_wrap providers) plus N-API workers (bcrypt:*).
const POOL_TYPE =
  /^(FSREQCALLBACK|FSREQPROMISE|STATWATCHER|GETADDRINFOREQWRAP|GETNAMEINFOREQWRAP|ZLIB|[A-Z0-9]+REQUEST|bcrypt:.*)$/;

interface Stat {
  count: number;
  totalMs: number;
  maxMs: number;
  latencies: number[];
}

const started = new Map<number, { type: string; at: number }>();
let stats = new Map<string, Stat>();
let connects: number[] = [];
let since = performance.now();

function record(type: string, ms: number): void {
  let s = stats.get(type);
  if (!s) stats.set(type, (s = { count: 0, totalMs: 0, maxMs: 0, latencies: [] }));
  s.count++;
  s.totalMs += ms;
  s.maxMs = Math.max(s.maxMs, ms);
  if (s.latencies.length < 50_000) s.latencies.push(ms);
}

createHook({
  init(id, type) {
    if (POOL_TYPE.test(type)) started.set(id, { type, at: performance.now() });
  },
  before(id) {
    const s = started.get(id);
    if (!s) return;
    started.delete(id);
    record(s.type, performance.now() - s.at);
  },
  destroy(id) {
    started.delete(id);
  },
}).enable();

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function summary() {
  const seconds = (performance.now() - since) / 1000;
  return {
    seconds: r1(seconds),
    pool: Object.fromEntries(
      [...stats]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([type, s]) => [
          type,
          {
            count: s.count,
            perSecond: r1(s.count / seconds),
            meanMs: r1(s.totalMs / s.count),
            p50Ms: r1(percentile(s.latencies, 50)),
            p99Ms: r1(percentile(s.latencies, 99)),
            maxMs: r1(s.maxMs),
          },
        ]),
    ),
    pgConnects: {
      count: connects.length,
      meanMs: r1(connects.reduce((a, b) => a + b, 0) / Math.max(1, connects.length)),
      maxMs: r1(Math.max(0, ...connects)),
      allMs: connects.map(r1),
    },
  };
}

process.on('SIGURG', () => {
  const out = process.env.BENCH_PROBE_OUT;
  if (out) writeFileSync(out, JSON.stringify(summary(), null, 2));
  stats = new Map();
  connects = [];
  since = performance.now();
});

// pg is resolved from the app's own node_modules, so this is the module instance TypeORM uses.
// Client#_connect(callback) is what both connect() forms (promise, callback) end in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('pg') as { Client: { prototype: Record<string, unknown> } };
const proto = pg.Client.prototype;
const innerConnect = proto._connect as (this: unknown, done: (error?: unknown) => void) => void;
proto._connect = function timedConnect(this: unknown, done: (error?: unknown) => void): void {
  const at = performance.now();
  innerConnect.call(this, (error?: unknown) => {
    connects.push(performance.now() - at);
    done(error);
  });
};
