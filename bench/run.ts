// `npm run bench`: every scenario in one run against the production build (dist/main.js), the
// bare baseline (dist-bench/main.js) and the same-work baseline (dist-bench/same-work/main.js,
// on the app's own embedded TLS PostgreSQL), all on 127.0.0.1; results →
// bench/results/latest.json, then docs/BENCHMARKS.md and docs/benchmarks.svg. Every loop is
// bounded by time or count. BENCH_QUICK=1 (or --quick) shortens every phase for a smoke test.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { appEnv, CONFIG, QUICK, RESULTS, TARGETS } from './config';
import { accessToken, registerAccount } from './lib/api';
import { startComparedServers } from './lib/compared-servers';
import { log } from './lib/load';
import { MEMORY_LIMIT_MB, NODE_OPTIONS, ROOT, type Server } from './lib/proc';
import { render } from './render';
import { memory } from './scenarios/memory';
import { loginThroughput } from './scenarios/login';
import { startup } from './scenarios/startup';
import { throughput } from './scenarios/throughput';

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const cpuProfile =
    process.env.BENCH_CPU_PROF === '1'
      ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'results')}`]
      : [];
  const scenarios: Record<string, unknown> = {};

  const start = await startup();
  scenarios.startup = start.result;

  const servers: Server[] = [];
  try {
    const env = appEnv(start.dataDir);
    const { app, bare, sameWork } = await startComparedServers(
      start.dataDir,
      env,
      servers,
      cpuProfile,
    );
    // One account and one token minted by the service's login: identical claims and session row.
    const account = await registerAccount(app.url);
    const token = await accessToken(app.url, account);

    scenarios.throughput = await throughput(
      { app: app.url, bare: bare.url, sameWork: sameWork.url },
      token,
    );
    // The baselines have served their purpose: they must not share the cores below.
    await sameWork.stop();
    await bare.stop();
    scenarios.login = await loginThroughput(app.url, account);
  } finally {
    for (const s of servers) await s.stop();
  }
  scenarios.memory = await memory(start.dataDir);
  rmSync(start.dataDir, { recursive: true, force: true });

  const results = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      os: `${platform()} ${release()}`,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      date: new Date().toISOString(),
      // 1/5/15-min load averages: other work on a shared machine shows up here, not in the ratios.
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    },
    method: {
      servers: `NODE_OPTIONS="${NODE_OPTIONS}" (the image's), in a cgroup limited to ${MEMORY_LIMIT_MB} MB (docker-compose's mem_limit)`,
      app: `node dist/main.js (npm run build), NODE_ENV=development with an embedded TLS PostgreSQL in a temp DATA_DIR`,
      baseline: `node dist-bench/main.js (bench/baseline/main.ts via tsc)`,
      sameWork: `node dist-bench/same-work/main.js (bench/same-work/main.ts via tsc), on the app's embedded database`,
      loadGenerator:
        'autocannon (programmatic), same process as the bcrypt ceiling, 127.0.0.1 only',
      quick: QUICK,
      config: CONFIG,
      targets: TARGETS,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    },
    scenarios,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  // A quick run is a smoke test: it never replaces the committed results.
  const file = QUICK ? join(ROOT, 'bench', 'results', 'quick.json') : RESULTS;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${file}`);
  render(file, QUICK ? join(ROOT, 'bench', 'results', 'quick.md') : undefined);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
