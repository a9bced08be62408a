import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RESULTS = join(__dirname, 'results', 'latest.json');

const int = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

/** Every knob of the run; BENCH_ROUNDS / BENCH_SECONDS shorten a trial run, never the committed one. */
export const CONFIG = {
  rounds: int('BENCH_ROUNDS', 5),
  seconds: int('BENCH_SECONDS', 10),
  warmupSeconds: int('BENCH_WARMUP_SECONDS', 5),
  connections: 50,
  loginConnections: 8, // twice the libuv pool (4): the hash pool never idles
  bcryptConcurrency: 8,
  bcryptRounds: 12,
  probeConnections: 2,
  probeRate: 100, // req/s of the /health/live probe during the login storm
  memoryTotal: int('BENCH_MEMORY_REQUESTS', 100_000),
  memoryStep: 10_000,
  startRounds: int('BENCH_START_ROUNDS', 3),
};

export const TARGETS = {
  meRatio: 0.4, // GET /api/users/me req/s ÷ baseline req/s, at least
  meP99Ms: 25,
  loginRatio: 0.85, // logins/s ÷ bcrypt.compare/s ceiling, at least
  liveP99Ms: 30,
  rssMaxMb: 200,
  rssFlatMb: 10, // |RSS(100k) − RSS(50k)|, at most
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
