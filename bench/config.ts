import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RESULTS = join(__dirname, 'results', 'latest.json');

/**
 * Quick mode (`BENCH_QUICK=1` or `--quick`): short rounds for a smoke test of the whole run. Its
 * numbers are not comparable with a full run and are never committed.
 */
export const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

const int = (name: string, full: number, quick: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : QUICK ? quick : full;
};

/** Every knob of the run; BENCH_* variables shorten a trial run, never the committed one. */
export const CONFIG = {
  quick: QUICK,
  rounds: int('BENCH_ROUNDS', 5, 2),
  seconds: int('BENCH_SECONDS', 10, 3),
  warmupSeconds: int('BENCH_WARMUP_SECONDS', 5, 1),
  connections: 50,
  loginConnections: 16, // four times the libuv pool (4): bcrypt, file logging and SCRAM compete
  bcryptConcurrency: 16, // the ceiling is driven with the same concurrency as the logins
  bcryptRounds: 12,
  loginSeconds: int('BENCH_LOGIN_SECONDS', 15, 5),
  probeConnections: 2,
  probeRate: 100, // req/s of the /health/live probe during the login storm
  memoryTotal: int('BENCH_MEMORY_REQUESTS', 120_000, 20_000),
  memoryStep: int('BENCH_MEMORY_STEP', 10_000, 5_000),
  memoryStormSeconds: int('BENCH_MEMORY_STORM_SECONDS', 20, 5),
  memorySampleMs: 500,
  startRounds: int('BENCH_START_ROUNDS', 3, 1),
};

/** The goals (service ÷ same-work baseline), plus the former absolute one. */
export const TARGETS = {
  liveRatioSameWork: 0.8, // GET /health/live req/s ÷ same-work GET /live req/s, at least
  meRatioSameWork: 1.5, // GET /api/users/me req/s ÷ same-work GET /me req/s, at least
  meP99Ms: 20,
  meRatioBare: 0.4, // GET /api/users/me req/s ÷ bare GET /hello req/s (the former goal)
  loginRatio: 0.9, // logins/s ÷ bcrypt.compare/s ceiling, 16 connections, at least
  loginNon2xx: 0,
  liveP99Ms: 30, // the probe's p99 during the login storm
  rssMaxMb: 200,
  rssFlatMb: 10, // RSS at the end (after the login storm) − RSS half-way, at most
};

export function tempDataDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `snf-bench-${tag}-`));
}

/** The app's environment: embedded TLS PostgreSQL in `dataDir`, quiet logs, limits out of the way. */
export function appEnv(dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    LOG_DIR: join(dataDir, 'logs'),
    LOG_LEVEL: 'warn',
    BCRYPT_ROUNDS: String(CONFIG.bcryptRounds),
    RATE_LIMIT_MAX: '100000000',
    AUTH_RATE_LIMIT_MAX: '100000000',
    LOGIN_FAILURE_MAX: '100000000',
    SWAGGER_ENABLED: 'false',
  };
}
