import * as bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { CONFIG, TARGETS } from '../config';
import type { Account } from '../lib/api';
import { load, log, median, round } from '../lib/load';

/**
 * The machine's ceiling: bcrypt.compare at the app's cost, `concurrency` at a time
 * through this process's libuv pool (default size, like the app's), counted for `seconds`.
 */
export async function bcryptCeiling(
  hash: string,
  input: string,
  seconds: number,
  concurrency: number = CONFIG.bcryptConcurrency,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await bcrypt.compare(input, hash);
      if (performance.now() <= deadline) done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return round(done / seconds, 2);
}

export function loginLoad(appUrl: string, account: Account, seconds: number) {
  return load({
    url: `${appUrl}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
    connections: CONFIG.loginConnections,
    seconds,
  });
}

/** Logins for `seconds` with GET /health/live probed at a steady rate from 1 s in to 1 s before the end. */
export async function loginStorm(appUrl: string, account: Account, seconds: number) {
  const logins = loginLoad(appUrl, account, seconds);
  await new Promise((r) => setTimeout(r, 1_000)); // let the hash pool fill before probing
  const probe = await load({
    url: `${appUrl}/health/live`,
    connections: CONFIG.probeConnections,
    overallRate: CONFIG.probeRate,
    seconds: Math.max(1, seconds - 2),
  });
  return { logins: await logins, probe };
}

/**
 * Scenario 2: POST /api/auth/login at cost 12 from CONFIG.loginConnections connections, with
 * GET /health/live probed at CONFIG.probeRate req/s meanwhile, against the in-process
 * bcrypt.compare ceiling; rounds alternate ceiling and storm. Failed logins are counted, not
 * thrown: the goal is zero, and a miss is a result. The warm-up storm counts too, because the
 * first storm is where the app opens new database connections under a full hash pool.
 */
export async function loginThroughput(appUrl: string, account: Account) {
  // The app compares a 44-char base64 HMAC of the password: compare input of the same shape.
  const input = randomBytes(32).toString('base64');
  const hash = await bcrypt.hash(input, CONFIG.bcryptRounds);
  log(`scenario 2: warm-up ${CONFIG.warmupSeconds} s each`);
  await bcryptCeiling(hash, input, CONFIG.warmupSeconds);
  const warmup = await loginLoad(appUrl, account, CONFIG.warmupSeconds);
  log(`  warm-up: ${warmup.rps} logins/s, ${warmup.non2xx} non-2xx, ${warmup.errors} errors`);
  const rounds: Array<{
    ceilingPerSec: number;
    loginsPerSec: number;
    ratio: number;
    loginP50: number;
    loginP99: number;
    loginNon2xx: number;
    loginStatusCodes: Record<string, number>;
    loginErrors: number;
    probeP50: number;
    probeP99: number;
    probeNon2xx: number;
  }> = [];
  for (let i = 0; i < CONFIG.rounds; i++) {
    const ceilingPerSec = await bcryptCeiling(hash, input, CONFIG.loginSeconds);
    const { logins, probe } = await loginStorm(appUrl, account, CONFIG.loginSeconds);
    rounds.push({
      ceilingPerSec,
      loginsPerSec: logins.rps,
      ratio: round(logins.rps / ceilingPerSec, 3),
      loginP50: logins.p50,
      loginP99: logins.p99,
      loginNon2xx: logins.non2xx,
      loginStatusCodes: logins.statusCodes,
      loginErrors: logins.errors,
      probeP50: probe.p50,
      probeP99: probe.p99,
      probeNon2xx: probe.non2xx + probe.errors,
    });
    log(
      `  round ${i + 1}: ceiling ${ceilingPerSec}/s, logins ${logins.rps}/s ` +
        `(${logins.non2xx} non-2xx ${JSON.stringify(logins.statusCodes)}, ${logins.errors} errors), live p99 ${probe.p99} ms`,
    );
  }
  const med = (pick: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(pick)), 3);
  const sum = (pick: (r: (typeof rounds)[number]) => number) =>
    rounds.reduce((a, r) => a + pick(r), 0);
  const m = {
    ceilingPerSec: med((r) => r.ceilingPerSec),
    loginsPerSec: med((r) => r.loginsPerSec),
    ratio: med((r) => r.ratio),
    loginP50Ms: med((r) => r.loginP50),
    loginP99Ms: med((r) => r.loginP99),
    liveP50Ms: med((r) => r.probeP50),
    liveP99Ms: med((r) => r.probeP99),
    // Totals over every storm of the scenario, warm-up included.
    loginNon2xx: warmup.non2xx + sum((r) => r.loginNon2xx),
    loginErrors: warmup.errors + sum((r) => r.loginErrors),
    probeFailures: sum((r) => r.probeNon2xx),
  };
  return {
    title: `Logins at bcrypt cost ${CONFIG.bcryptRounds} vs the bcrypt.compare ceiling, ${CONFIG.loginConnections} connections, /health/live probed at ${CONFIG.probeRate} req/s`,
    warmup,
    rounds,
    median: m,
    targets: {
      ratioMin: TARGETS.loginRatio,
      non2xxMax: TARGETS.loginNon2xx,
      liveP99MaxMs: TARGETS.liveP99Ms,
    },
    pass: {
      ratio: m.ratio >= TARGETS.loginRatio,
      non2xx: m.loginNon2xx + m.loginErrors <= TARGETS.loginNon2xx,
      liveP99: m.liveP99Ms <= TARGETS.liveP99Ms,
    },
  };
}
