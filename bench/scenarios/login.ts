import * as bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { CONFIG, TARGETS } from '../config';
import type { Account } from '../lib/api';
import { load, log, median, round } from '../lib/load';

/**
 * The machine's ceiling: bcrypt.compare at the app's cost, CONFIG.bcryptConcurrency at a time
 * through this process's libuv pool (default size, like the app's), counted for `seconds`.
 */
export async function bcryptCeiling(hash: string, input: string, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await bcrypt.compare(input, hash);
      if (performance.now() <= deadline) done++;
    }
  };
  await Promise.all(Array.from({ length: CONFIG.bcryptConcurrency }, worker));
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

/** Scenario 2: POST /api/auth/login at cost 12 against the in-process bcrypt ceiling, rounds alternating. */
export async function loginThroughput(appUrl: string, account: Account) {
  // The app compares a 44-char base64 HMAC of the password: compare input of the same shape.
  const input = randomBytes(32).toString('base64');
  const hash = await bcrypt.hash(input, CONFIG.bcryptRounds);
  log(`scenario 2: warm-up ${CONFIG.warmupSeconds} s each`);
  await bcryptCeiling(hash, input, CONFIG.warmupSeconds);
  await loginLoad(appUrl, account, CONFIG.warmupSeconds);
  const rounds: Array<{
    ceilingPerSec: number;
    loginsPerSec: number;
    p50: number;
    p99: number;
    ratio: number;
  }> = [];
  for (let i = 0; i < CONFIG.rounds; i++) {
    const ceilingPerSec = await bcryptCeiling(hash, input, CONFIG.seconds);
    const r = await loginLoad(appUrl, account, CONFIG.seconds);
    if (r.non2xx || r.errors) throw new Error(`login: ${r.non2xx} non-2xx, ${r.errors} errors`);
    rounds.push({
      ceilingPerSec,
      loginsPerSec: r.rps,
      p50: r.p50,
      p99: r.p99,
      ratio: round(r.rps / ceilingPerSec, 3),
    });
    log(`  round ${i + 1}: ceiling ${ceilingPerSec}/s, logins ${r.rps}/s`);
  }
  const m = {
    ceilingPerSec: median(rounds.map((r) => r.ceilingPerSec)),
    loginsPerSec: median(rounds.map((r) => r.loginsPerSec)),
    loginP50Ms: median(rounds.map((r) => r.p50)),
    loginP99Ms: median(rounds.map((r) => r.p99)),
    ratio: median(rounds.map((r) => r.ratio)),
  };
  return {
    title: `Login throughput at bcrypt cost ${CONFIG.bcryptRounds} vs bcrypt.compare ceiling (${CONFIG.loginConnections} connections)`,
    rounds,
    median: m,
    targets: { ratioMin: TARGETS.loginRatio },
    pass: { ratio: m.ratio >= TARGETS.loginRatio },
  };
}
