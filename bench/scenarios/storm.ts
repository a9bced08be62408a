import { CONFIG, TARGETS } from '../config';
import type { Account } from '../lib/api';
import { load, log, median } from '../lib/load';
import { loginLoad } from './login';

/** Scenario 3: GET /health/live latency at a steady probe rate while logins saturate the hash pool. */
export async function loginStorm(appUrl: string, account: Account) {
  log('scenario 3: login storm + /health/live probe');
  const rounds: Array<{ liveP50: number; liveP99: number; probes: number; loginsPerSec: number }> =
    [];
  for (let i = 0; i < CONFIG.rounds; i++) {
    const storm = loginLoad(appUrl, account, CONFIG.seconds + 2);
    await new Promise((r) => setTimeout(r, 1_000)); // let the pool fill before probing
    const probe = await load({
      url: `${appUrl}/health/live`,
      connections: CONFIG.probeConnections,
      overallRate: CONFIG.probeRate,
      seconds: CONFIG.seconds,
    });
    const logins = await storm;
    if (probe.non2xx || probe.errors || logins.non2xx)
      throw new Error('login storm: unexpected non-2xx or errors');
    rounds.push({
      liveP50: probe.p50,
      liveP99: probe.p99,
      probes: probe.requests,
      loginsPerSec: logins.rps,
    });
    log(`  round ${i + 1}: live p99 ${probe.p99} ms, logins ${logins.rps}/s`);
  }
  const m = {
    liveP50Ms: median(rounds.map((r) => r.liveP50)),
    liveP99Ms: median(rounds.map((r) => r.liveP99)),
    loginsPerSec: median(rounds.map((r) => r.loginsPerSec)),
  };
  return {
    title: `GET /health/live at ${CONFIG.probeRate} req/s during a login storm (${CONFIG.loginConnections} login connections)`,
    rounds,
    median: m,
    targets: { liveP99MaxMs: TARGETS.liveP99Ms },
    pass: { liveP99: m.liveP99Ms <= TARGETS.liveP99Ms },
  };
}
