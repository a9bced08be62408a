// `npm run bench:render`: bench/results/latest.json → docs/BENCHMARKS.md + docs/benchmarks.svg.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS } from './config';
import { barChart } from './svg';

type Nums = Record<string, number>;
interface Scenario {
  title: string;
  median: Nums;
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
    app: string;
    baseline: string;
    loadGenerator: string;
    config: Nums;
    durationSeconds: number;
  };
  scenarios: Record<
    'authenticatedMe' | 'loginThroughput' | 'loginStorm' | 'memory' | 'startup',
    Scenario
  >;
}

const DOCS = join(__dirname, '..', 'docs');
/** Hand-written analysis of the committed run (causes of misses), appended to the page. */
const NOTES = join(__dirname, 'notes.md');
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✅ pass' : '❌ miss');

function load(r: Results): string {
  const l = r.machine.loadAverage;
  return l
    ? `; load average (1/5/15 min) ${l.atStart.join(' / ')} at start, ${l.atEnd.join(' / ')} at end`
    : '';
}

function table(r: Results): string {
  const {
    authenticatedMe: me,
    loginThroughput: login,
    loginStorm: storm,
    memory: mem,
    startup: start,
  } = r.scenarios;
  const rows: string[][] = [
    [
      '1. GET /api/users/me ÷ baseline GET (req/s)',
      `${me.median.ratio} (${me.median.appRps} vs ${me.median.baselineRps} req/s)`,
      `≥ ${me.targets.ratioMin}`,
      verdict(me.pass.ratio),
    ],
    [
      '1. GET /api/users/me p50 / p99',
      `${me.median.appP50Ms} / ${me.median.appP99Ms} ms (baseline ${me.median.baselineP50Ms} / ${me.median.baselineP99Ms} ms)`,
      `p99 ≤ ${me.targets.p99MaxMs} ms`,
      verdict(me.pass.p99),
    ],
    [
      '2. logins/s ÷ bcrypt.compare/s ceiling',
      `${login.median.ratio} (${login.median.loginsPerSec} vs ${login.median.ceilingPerSec}/s)`,
      `≥ ${login.targets.ratioMin}`,
      verdict(login.pass.ratio),
    ],
    [
      '3. GET /health/live p99 during login storm',
      `${storm.median.liveP99Ms} ms (p50 ${storm.median.liveP50Ms} ms, ${storm.median.loginsPerSec} logins/s)`,
      `≤ ${storm.targets.liveP99MaxMs} ms`,
      verdict(storm.pass.liveP99),
    ],
    [
      '4. RSS after 50k / 100k authenticated requests',
      `${mem.median.rssAt50kMb} / ${mem.median.rssAt100kMb} MB (start ${mem.median.rssStartMb} MB)`,
      `≤ ${mem.targets.rssMaxMb} MB`,
      verdict(mem.pass.rss),
    ],
    [
      '4. RSS delta 50k → 100k',
      `${mem.median.deltaMb} MB`,
      `abs(Δ) ≤ ${mem.targets.flatDeltaMaxMb} MB`,
      verdict(mem.pass.flat),
    ],
    ['5. start → /health/ready, cold (fresh DATA_DIR)', `${start.median.coldMs} ms`, 'report', '—'],
    [
      '5. start → /health/ready, warm (reused DATA_DIR)',
      `${start.median.warmMs} ms`,
      'report',
      '—',
    ],
  ];
  return [
    '| scenario | measured (median) | target | result |',
    '|---|---|---|---|',
    ...rows.map((c) => `| ${c.join(' | ')} |`),
  ].join('\n');
}

function chart(r: Results): string {
  const {
    authenticatedMe: me,
    loginThroughput: login,
    loginStorm: storm,
    memory: mem,
    startup: start,
  } = r.scenarios;
  const grey = '#9aa5b1';
  return barChart(
    'secure-nest-foundation benchmarks (medians)',
    `${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, ${r.machine.date.slice(0, 10)}`,
    [
      {
        title: '1. Throughput at 50 connections',
        unit: 'req/s',
        bars: [
          { label: 'bare Nest+Fastify GET', value: me.median.baselineRps, color: grey },
          { label: 'GET /api/users/me (auth)', value: me.median.appRps },
        ],
        target: {
          value: me.median.baselineRps * me.targets.ratioMin,
          label: `${me.targets.ratioMin}× baseline`,
        },
      },
      {
        title: '1. /api/users/me latency',
        unit: 'ms',
        bars: [
          { label: 'p50', value: me.median.appP50Ms },
          { label: 'p99', value: me.median.appP99Ms },
        ],
        target: { value: me.targets.p99MaxMs, label: `p99 ≤ ${me.targets.p99MaxMs}` },
      },
      {
        title: '2. Login throughput, bcrypt cost 12',
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
        title: '3. GET /health/live during a login storm',
        unit: 'ms',
        bars: [
          { label: 'p50', value: storm.median.liveP50Ms },
          { label: 'p99', value: storm.median.liveP99Ms },
        ],
        target: { value: storm.targets.liveP99MaxMs, label: `p99 ≤ ${storm.targets.liveP99MaxMs}` },
      },
      {
        title: '4. App RSS',
        unit: 'MB',
        bars: [
          { label: 'after start', value: mem.median.rssStartMb, color: grey },
          { label: 'after 50k requests', value: mem.median.rssAt50kMb },
          { label: 'after 100k requests', value: mem.median.rssAt100kMb },
        ],
        target: { value: mem.targets.rssMaxMb, label: `≤ ${mem.targets.rssMaxMb}` },
      },
      {
        title: '5. Spawn → /health/ready',
        unit: 'ms',
        bars: [
          { label: 'cold (fresh DATA_DIR)', value: start.median.coldMs },
          { label: 'warm (reused DATA_DIR)', value: start.median.warmMs },
        ],
      },
    ],
  );
}

export function render(file: string = RESULTS): void {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
  writeFileSync(join(DOCS, 'benchmarks.svg'), chart(r));
  const c = r.method.config;
  const md = `# Benchmarks

Generated by \`npm run bench\` from [\`bench/results/latest.json\`](../bench/results/latest.json)
(re-render with \`npm run bench:render\`). Absolute numbers on a shared machine are noise; the
ratios to the baseline measured in the same run are the point.

**Machine:** ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGb} GiB, ${r.machine.os},
Node ${r.machine.node}; run of ${r.machine.date} (${r.method.durationSeconds} s)${load(r)}.

${table(r)}

![benchmark chart](benchmarks.svg)

## Method

- **App:** ${r.method.app}. Rate limits raised (\`RATE_LIMIT_MAX\`, \`AUTH_RATE_LIMIT_MAX\`,
  \`LOGIN_FAILURE_MAX\` = 100000000), \`LOG_LEVEL=warn\`, \`BCRYPT_ROUNDS=${c.bcryptRounds}\`.
- **Baseline:** ${r.method.baseline}: NestJS 12 + Fastify, one GET route returning a small JSON object.
- **Load:** ${r.method.loadGenerator}. Medians of ${c.rounds} rounds × ${c.seconds} s after a
  ${c.warmupSeconds} s warm-up; rounds alternate the two sides so drift hits both. The load
  generator shares the ${r.machine.cpus} cores with the app and PostgreSQL, as it does with the baseline.
- **1.** ${c.connections} connections; one account registered and logged in once; every request runs
  the full chain (request id, helmet, JWT verify, live-session query over TLS, roles, user lookup).
- **2.** ${c.loginConnections} connections on \`POST /api/auth/login\` (valid account) vs
  \`bcrypt.compare\` at cost ${c.bcryptRounds}, ${c.bcryptConcurrency} at a time through the bench
  process's libuv pool (default size, as in the app), alternating rounds, app idle meanwhile.
- **3.** The login load of 2 plus a probe of \`GET /health/live\` at ${c.probeRate} req/s
  (${c.probeConnections} connections); the probe starts 1 s into the storm.
- **4.** A fresh app process; \`VmRSS\` from \`/proc/<pid>/status\` after every ${c.memoryStep}
  authenticated \`GET /api/users/me\` (${c.connections} connections), to ${c.memoryTotal}.
- **5.** Spawn to the first \`GET /health/ready\` 200 (polled every 25 ms); cold = fresh DATA_DIR
  (initdb, TLS material, secrets, migrations), warm = the same DATA_DIR again; ${c.startRounds} each.

Raw rounds of every scenario are in the JSON file.
`;
  const notes = existsSync(NOTES) ? `\n${readFileSync(NOTES, 'utf8')}` : '';
  writeFileSync(join(DOCS, 'BENCHMARKS.md'), md + notes);
  process.stderr.write(`rendered docs/BENCHMARKS.md and docs/benchmarks.svg\n`);
}

if (require.main === module) render(process.argv[2]);
