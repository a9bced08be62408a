// `npm run bench`: every scenario in one run against the production build (dist/main.js) and the
// bare baseline (dist-bench/main.js), both on 127.0.0.1; results → bench/results/latest.json,
// then docs/BENCHMARKS.md and docs/benchmarks.svg. Every loop is bounded by time or count.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { appEnv, CONFIG, RESULTS, TARGETS } from './config';
import { accessToken, registerAccount } from './lib/api';
import { log } from './lib/load';
import {
  APP_MAIN,
  BASELINE_MAIN,
  NODE_FLAGS,
  ROOT,
  spawnServer,
  waitFor,
  type Server,
} from './lib/proc';
import { render } from './render';
import { memory } from './scenarios/memory';
import { loginThroughput } from './scenarios/login';
import { startup } from './scenarios/startup';
import { loginStorm } from './scenarios/storm';
import { authenticatedMe } from './scenarios/throughput';

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
    const app = await spawnServer(APP_MAIN, appEnv(start.dataDir), cpuProfile);
    servers.push(app);
    const baseline = await spawnServer(BASELINE_MAIN, {});
    servers.push(baseline);
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    await waitFor(`${baseline.url}/hello`, 200, baseline.spawnedAt);
    const account = await registerAccount(app.url);
    const token = await accessToken(app.url, account);

    scenarios.authenticatedMe = await authenticatedMe(app.url, token, baseline.url);
    await baseline.stop(); // the baseline has served its purpose: it must not share the cores below
    scenarios.loginThroughput = await loginThroughput(app.url, account);
    scenarios.loginStorm = await loginStorm(app.url, account);
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
      app: `node ${[...NODE_FLAGS, 'dist/main.js'].join(' ')} (npm run build), NODE_ENV=development with an embedded TLS PostgreSQL in a temp DATA_DIR`,
      baseline: `node ${[...NODE_FLAGS, 'dist-bench/main.js'].join(' ')} (bench/baseline/main.ts via tsc)`,
      loadGenerator:
        'autocannon (programmatic), same process as the bcrypt ceiling, 127.0.0.1 only',
      config: CONFIG,
      targets: TARGETS,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    },
    scenarios,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${RESULTS}`);
  render(RESULTS);
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
