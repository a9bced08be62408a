// `npm run bench:render [results.json]`: bench/results/latest.json → docs/BENCHMARKS.md +
// docs/benchmarks.svg (a quick run renders to bench/results/quick.md and leaves docs/ alone).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS } from './config';
import { barChart } from './svg';

type Nums = Record<string, number>;
interface Scenario<M = Nums> {
  title: string;
  median: M;
  targets: Nums;
  pass: Record<string, boolean>;
}
interface Results {
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    os: string;
    memoryGb: number;
    date: string;
    loadAverage?: { atStart: number[]; atEnd: number[] };
  };
  method: {
    servers: string;
    app: string;
    baseline: string;
    sameWork: string;
    loadGenerator: string;
    quick?: boolean;
    config: Nums;
    durationSeconds: number;
  };
  scenarios: {
    throughput: Scenario & { ranges: Record<string, [number, number]> };
    login: Scenario;
    memory: Scenario;
    startup: Scenario;
  };
}

const DOCS = join(__dirname, '..', 'docs');
/** Hand-written analysis (causes of misses, profiles), appended to the page. */
const NOTES = join(__dirname, 'notes.md');

/**
 * "What changed it" per row of the table: fill in a row's entry when a fix moves it, with the
 * before/after of that fix (e.g. "precomputed header object: 0.41 → 0.63"). "—" until then.
 */
// Before → after per row: the 14:12 baseline run → the 16:48 run after the fixes (both Node 20) →
// the 19:08 run, the first with the servers on Node 24 (what the image ships, 0465227), V8 left to
// size itself → this run: every server as shipped, the image's NODE_OPTIONS under the compose
// memory limit, Maglev off in the service (ff87f00, 37203a1) → this run (2026-12-07): EdDSA tokens
// (src/signing-keys/), verified through jose and remembered until their exp on both sides.
const WHAT_CHANGED: Record<string, string> = {
  liveRatio:
    "helmet's headers precomputed per route family and set with the request id in one synchronous hook, `/health/live` a plain Fastify route, no CORS hook without `CORS_ORIGINS`, cookies parsed only where read (9eb3c46): 0.452 → 1.087 on Node 20; 0.977 on Node 24; 1.042 as shipped (2026-11-30); 1.135 in this run",
  meRatio:
    "the same pipeline fixes plus cached rate-limit key digests (9eb3c46): 1.217 → 1.336 on Node 20; 1.845 with the servers on Node 24 (0465227): on Node 20 AsyncLocalStorage (the unit of work's transaction context) runs promise hooks on every promise once the first transaction ran, ~14 µs of `/me`'s ~190 µs; Node 24's AsyncLocalStorage has no hooks (CPU per `/me` request 124 → 104 µs, same-work 174 → 151); 1.662 as shipped on 2026-11-30 (rounds 1.10–2.03; the service's 8 MB semi-spaces cost it ~10 % CPU per request, bench/notes.md; an earlier shipped run on a noisier machine: 1.399); EdDSA tokens verified through jose on every request on both sides: 1.508 (about 5,000 req/s, an unfinished run); with each side remembering a verified token until its exp (src/auth/verified-tokens.ts): 2.0 in this run",
  meP99:
    '33 → 34 ms on Node 20 on a loaded machine; 15 ms on Node 24 on a quieter one (Node 20 trials the same hour: 10–16 ms, `bench/experiments/me-rounds.ts`); 19 ms as shipped on 2026-11-30 (rounds 17–22 ms); 8 ms in this run (verified tokens remembered)',
  loginRatio:
    "bcrypt capped below libuv's pool (p-limit), idle pool connections kept 5 min (9eb3c46): 1.099 → 1.094 on Node 20; 1.033 on Node 24; 1.041 on 2026-11-30; 1.032 in this run",
  loginNon2xx:
    "the same fix: 10 → 0 (a new pg connection's SCRAM key derivation no longer queues behind bcrypt jobs on libuv's pool); 0 on Node 24 and here",
  liveP99:
    "the same fix: 88 → 12 ms on Node 20; 32 ms on Node 24 (rounds 10–70 ms), its scavenges of a 134 MB new space pausing 18–36 ms under the storm; 13 ms on 2026-11-30 (rounds 8–30 ms) with the image's 8 MB semi-spaces (ff87f00; the earlier shipped run: 18 ms); 9 ms in this run",
  rss: "V8's allocation-site pretenuring off from main's first line (src/v8-settings.ts, 42d6ff7), fewer per-request objects (9eb3c46), the breached-password list as bytes outside the heap (8eeb21f): peak 326.3 → 184.1 MB on Node 20; **365.8 MB on Node 24**: V8 13 sizes the young generation from the heap limit, which follows the host's 24 GiB (new space 134 MB of a 206 MB heap under load), and its Maglev tier adds ~75 MB; **195.1 MB** as shipped on 2026-11-30 (the earlier shipped run: 181.0; 193 MB in this run): the image's `--max-semi-space-size=8` (ff87f00; left to V8 under the 512 MB limit the young generation is ~4 MB and CPU per `/me` triples) and Maglev off from main's first line (37203a1; 216 → 190 MB in trials; bench/notes.md, \"The shipped V8 settings\")",
  rssTrend:
    'the same fixes: 23.3 → 9.1 MB on Node 20; 1.3 MB on Node 24; 5.6 MB on 2026-11-30; 2 MB in this run',
};

const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✅ pass' : '❌ miss');

function load(r: Results): string {
  const l = r.machine.loadAverage;
  return l
    ? `; load average (1/5/15 min) ${l.atStart.join(' / ')} at start, ${l.atEnd.join(' / ')} at end`
    : '';
}

function table(r: Results): string {
  const { throughput: t, login, memory: mem, startup: start } = r.scenarios;
  const tm = t.median;
  const range = (k: string) =>
    t.ranges?.[k] ? `; rounds ${t.ranges[k][0]}–${t.ranges[k][1]}` : '';
  const lm = login.median;
  const mm = mem.median;
  const rows: Array<[key: string, scenario: string, goal: string, measured: string, ok?: boolean]> =
    [
      [
        'liveRatio',
        '`GET /health/live` req/s ÷ same-work `/live`',
        `≥ ${t.targets.liveRatioMin}`,
        `**${tm.liveRatio}** (${tm.appLiveRps} vs ${tm.sameWorkLiveRps} req/s${range('liveRatio')})`,
        t.pass.liveRatio,
      ],
      [
        'meRatio',
        '`GET /api/users/me` req/s ÷ same-work `/me`',
        `≥ ${t.targets.meRatioMin}`,
        `**${tm.meRatio}** (${tm.appMeRps} vs ${tm.sameWorkMeRps} req/s${range('meRatio')})`,
        t.pass.meRatio,
      ],
      [
        'meP99',
        '`GET /api/users/me` p99',
        `≤ ${t.targets.meP99MaxMs} ms`,
        `**${tm.appMeP99Ms} ms** (p50 ${tm.appMeP50Ms} ms; same-work p99 ${tm.sameWorkMeP99Ms} ms)`,
        t.pass.meP99,
      ],
      [
        'loginRatio',
        `logins/s ÷ bcrypt-${r.method.config.bcryptRounds} ceiling, ${r.method.config.loginConnections} connections, \`/health/live\` probed at ${r.method.config.probeRate} req/s`,
        `≥ ${login.targets.ratioMin}`,
        `**${lm.ratio}** (${lm.loginsPerSec} vs ${lm.ceilingPerSec}/s; login p99 ${lm.loginP99Ms} ms)`,
        login.pass.ratio,
      ],
      [
        'loginNon2xx',
        '… failed logins (non-2xx + errors, every storm incl. warm-up)',
        `${login.targets.non2xxMax}`,
        `**${lm.loginNon2xx + lm.loginErrors}** (${lm.loginNon2xx} non-2xx, ${lm.loginErrors} errors)`,
        login.pass.non2xx,
      ],
      [
        'liveP99',
        '… `/health/live` probe p99 during the storm',
        `≤ ${login.targets.liveP99MaxMs} ms`,
        `**${lm.liveP99Ms} ms** (p50 ${lm.liveP50Ms} ms)`,
        login.pass.liveP99,
      ],
      [
        'rss',
        `RSS after ~${Math.round(r.method.config.memoryTotal / 1000)}k authenticated requests and a login storm, default settings (the image's)`,
        `≤ ${mem.targets.rssMaxMb} MB, no upward trend`,
        `**peak ${mm.rssPeakMb} MB**; ${mm.rssMidMb} MB half-way, ${mm.rssAfterRequestsMb} after the requests, ${mm.rssEndMb} at the end (start ${mm.rssStartMb}); same-work baseline peak ${mm.sameWorkPeakMb} MB, end ${mm.sameWorkEndMb} MB`,
        mem.pass.rss,
      ],
      [
        'rssTrend',
        '… trend: RSS at the end − half-way (second-half slope)',
        `≤ ${mem.targets.flatDeltaMaxMb} MB`,
        `**${mm.endMinusMidMb} MB** (${mm.slopeSecondHalfMbPer10k} MB per 10k requests)`,
        mem.pass.flat,
      ],
      [
        'rssUnshipped',
        '… the same started plainly on this host (no `NODE_OPTIONS`, no memory limit: V8 sizes the heap from 24 GiB; informational)',
        'report',
        `peak ${mm.unshippedPeakMb} MB, end ${mm.unshippedEndMb} MB (end − half-way ${mm.unshippedEndMinusMidMb} MB); \`/me\` ${Math.round(mm.unshippedMeRpsMedian)} req/s vs ${Math.round(mm.meRpsMedian)} as shipped (sequential runs, indicative)`,
      ],
      [
        'meRatioBare',
        '`GET /api/users/me` req/s ÷ bare `/hello` (former goal, superseded by the same-work ratio)',
        `≥ ${t.targets.meRatioBareMin}`,
        `${tm.meRatioBare} (${tm.appMeRps} vs ${tm.bareRps} req/s)`,
        t.pass.meRatioBare,
      ],
      [
        'liveRatioBare',
        '`GET /health/live` req/s ÷ bare `/hello`',
        'report',
        `${tm.liveRatioBare} (same-work \`/live\` ÷ bare: ${Math.round((tm.sameWorkLiveRps / tm.bareRps) * 1000) / 1000})`,
      ],
      [
        'coldStart',
        'start → `/health/ready`, cold / warm',
        'report',
        `${start.median.coldMs} / ${start.median.warmMs} ms`,
      ],
    ];
  return [
    '| scenario | goal | measured (median) | result | what changed it |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([key, scenario, goal, measured, ok]) =>
        `| ${scenario} | ${goal} | ${measured} | ${verdict(ok)} | ${WHAT_CHANGED[key] ?? '—'} |`,
    ),
  ].join('\n');
}

function chart(r: Results): string {
  const { throughput: t, login, memory: mem } = r.scenarios;
  const tm = t.median;
  const grey = '#9aa5b1';
  const light = '#7fa7c9';
  return barChart(
    'secure-nest-foundation benchmarks (medians)',
    `${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, ${r.machine.date.slice(0, 10)}`,
    [
      {
        title: `1. GET /health/live at ${r.method.config.connections} connections`,
        unit: 'req/s',
        bars: [
          { label: 'bare Nest+Fastify /hello', value: tm.bareRps, color: grey },
          { label: 'same-work /live', value: tm.sameWorkLiveRps, color: light },
          { label: 'service /health/live', value: tm.appLiveRps },
        ],
        target: {
          value: tm.sameWorkLiveRps * t.targets.liveRatioMin,
          label: `${t.targets.liveRatioMin}× same-work`,
        },
      },
      {
        title: `1. Authenticated GET /me at ${r.method.config.connections} connections`,
        unit: 'req/s',
        bars: [
          { label: 'same-work /me', value: tm.sameWorkMeRps, color: light },
          { label: 'service /api/users/me', value: tm.appMeRps },
        ],
        target: {
          value: tm.sameWorkMeRps * t.targets.meRatioMin,
          label: `${t.targets.meRatioMin}× same-work`,
        },
      },
      {
        title: '1. GET /me p99',
        unit: 'ms',
        bars: [
          { label: 'same-work /me', value: tm.sameWorkMeP99Ms, color: light },
          { label: 'service /api/users/me', value: tm.appMeP99Ms },
        ],
        target: { value: t.targets.meP99MaxMs, label: `≤ ${t.targets.meP99MaxMs}` },
      },
      {
        title: `2. Logins, bcrypt cost ${r.method.config.bcryptRounds}, ${r.method.config.loginConnections} connections`,
        unit: '/s',
        bars: [
          { label: 'bcrypt.compare ceiling', value: login.median.ceilingPerSec, color: grey },
          { label: 'POST /api/auth/login', value: login.median.loginsPerSec },
        ],
        target: {
          value: login.median.ceilingPerSec * login.targets.ratioMin,
          label: `${login.targets.ratioMin}× ceiling`,
        },
      },
      {
        title: '3. RSS',
        unit: 'MB',
        bars: [
          { label: 'same-work, peak', value: mem.median.sameWorkPeakMb, color: light },
          { label: 'service, after start', value: mem.median.rssStartMb, color: grey },
          { label: 'service, half-way', value: mem.median.rssMidMb },
          { label: 'service, peak', value: mem.median.rssPeakMb },
          { label: 'service, end', value: mem.median.rssEndMb },
        ],
        target: { value: mem.targets.rssMaxMb, label: `≤ ${mem.targets.rssMaxMb}` },
      },
    ],
  );
}

export function render(file: string = RESULTS, markdownOut?: string): void {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const c = r.method.config;
  const quick = r.method.quick
    ? '\n> **Quick mode** (smoke test, short rounds): not comparable with a full run.\n'
    : '';
  const md = `# Benchmarks

Generated by \`npm run bench\` from [\`bench/results/latest.json\`](../bench/results/latest.json)
(re-render with \`npm run bench:render\`). Absolute numbers on a shared machine are noise; the
ratios to the baselines measured in the same run are the point.
${quick}
**Machine:** ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGb} GiB, ${r.machine.os},
Node ${r.machine.node}; run of ${r.machine.date} (${r.method.durationSeconds} s)${load(r)}.

${table(r)}

![benchmark chart](benchmarks.svg)

## Method

- **Every server:** ${r.method.servers}.
- **Service:** ${r.method.app}. Rate limits raised (\`RATE_LIMIT_MAX\`, \`AUTH_RATE_LIMIT_MAX\`,
  \`LOGIN_FAILURE_MAX\` = 100000000), \`LOG_LEVEL=warn\`, \`SWAGGER_ENABLED=false\`,
  \`BCRYPT_ROUNDS=${c.bcryptRounds}\`; its own V8 settings at start (\`src/v8-settings.ts\`: pretenuring and Maglev off).
- **Same-work baseline:** ${r.method.sameWork}. NestJS 12 + Fastify doing only the unavoidable work:
  the service's response headers as one precomputed object plus a fresh \`X-Request-Id\` (the run
  first checks that both send the same header set and the same \`/me\` body); on \`/me\` the access
  token verified as the service verifies it, with its algorithm (\`EdDSA\` by default: a \`KeyObject\`
  per key of the service's JWKS, read once at start; \`HS256\`: one of \`JWT_SECRET\`) and jose's
  \`jwtVerify\` (typ, iss, aud, exp), a token verified before remembered until its \`exp\` as the
  service remembers it (so both verify the bench's one token once), and one named prepared
  statement, the SQL of the service's
  session check, for one session id, over verified TLS (pg Pool of 10). Same database,
  same session and user rows, the token minted by the service's login.
- **Bare baseline:** ${r.method.baseline}: NestJS 12 + Fastify, one GET route returning a small JSON object.
- **Load:** ${r.method.loadGenerator}. Medians of ${c.rounds} rounds × ${c.seconds} s after a
  ${c.warmupSeconds} s warm-up; every round runs all five targets (bare \`/hello\`, same-work \`/live\`,
  service \`/health/live\`, same-work \`/me\`, service \`/api/users/me\`) in alternating order, and the
  ratios are taken within each round. The load generator shares the ${r.machine.cpus} cores with
  the servers and PostgreSQL.
- **Logins:** ${c.loginConnections} connections on \`POST /api/auth/login\` (valid account) for ${c.loginSeconds} s
  per round, with \`GET /health/live\` probed at ${c.probeRate} req/s (${c.probeConnections} connections)
  from 1 s in, vs \`bcrypt.compare\` at cost ${c.bcryptRounds}, ${c.bcryptConcurrency} at a time through the
  bench process's libuv pool (default size, as in the app), rounds alternating; baselines stopped.
  Failed logins are counted over every storm, the ${c.warmupSeconds} s warm-up storm included.
- **RSS:** a fresh service process; \`VmRSS\` every ${c.memorySampleMs} ms and after every ${c.memoryStep}
  authenticated \`GET /api/users/me\` (${c.connections} connections) to ${c.memoryTotal}, then a
  ${c.memoryStormSeconds} s login storm (${c.loginConnections} connections), then 2 s idle. Then the same
  started plainly (no \`NODE_OPTIONS\`, no memory limit; informational: bench/notes.md, "The shipped V8 settings"),
  then a fresh same-work baseline, the same requests on \`/me\` (it has no login).
- **Start:** spawn to the first \`GET /health/ready\` 200 (polled every 25 ms); cold = fresh DATA_DIR
  (initdb, TLS material, secrets, migrations), warm = the same DATA_DIR again; ${c.startRounds} each.

Raw rounds and every RSS sample are in the JSON file.
`;
  const notes = existsSync(NOTES) ? `\n${readFileSync(NOTES, 'utf8')}` : '';
  if (markdownOut) {
    writeFileSync(markdownOut, md);
    process.stderr.write(`rendered ${markdownOut}\n`);
    return;
  }
  writeFileSync(join(DOCS, 'benchmarks.svg'), chart(r));
  writeFileSync(join(DOCS, 'BENCHMARKS.md'), md + notes);
  process.stderr.write(`rendered docs/BENCHMARKS.md and docs/benchmarks.svg\n`);
}

if (require.main === module) render(process.argv[2]);
