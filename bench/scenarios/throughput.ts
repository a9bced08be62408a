import { CONFIG, TARGETS } from '../config';
import { load, log, median, round, type LoadResult } from '../lib/load';

export interface ThroughputRound {
  baseline: LoadResult;
  app: LoadResult;
  ratio: number;
}

/**
 * Scenario 1: authenticated GET /api/users/me (full guard chain, session check in PostgreSQL)
 * against the bare baseline's GET, at 50 connections. Rounds alternate baseline/app so drift on a
 * shared machine hits both sides alike.
 */
export async function authenticatedMe(appUrl: string, token: string, baselineUrl: string) {
  const me = {
    url: `${appUrl}/api/users/me`,
    headers: { authorization: `Bearer ${token}` },
    connections: CONFIG.connections,
  };
  const bare = { url: `${baselineUrl}/hello`, connections: CONFIG.connections };
  log(`scenario 1: warm-up ${CONFIG.warmupSeconds} s each`);
  await load({ ...bare, seconds: CONFIG.warmupSeconds });
  await load({ ...me, seconds: CONFIG.warmupSeconds });
  const rounds: ThroughputRound[] = [];
  for (let i = 0; i < CONFIG.rounds; i++) {
    const baseline = await load({ ...bare, seconds: CONFIG.seconds });
    const app = await load({ ...me, seconds: CONFIG.seconds });
    if (app.non2xx || app.errors)
      throw new Error(`GET /api/users/me: ${app.non2xx} non-2xx, ${app.errors} errors`);
    rounds.push({ baseline, app, ratio: round(app.rps / baseline.rps, 3) });
    log(`  round ${i + 1}: baseline ${baseline.rps}/s, app ${app.rps}/s, p99 ${app.p99} ms`);
  }
  const m = {
    baselineRps: median(rounds.map((r) => r.baseline.rps)),
    baselineP50Ms: median(rounds.map((r) => r.baseline.p50)),
    baselineP99Ms: median(rounds.map((r) => r.baseline.p99)),
    appRps: median(rounds.map((r) => r.app.rps)),
    appP50Ms: median(rounds.map((r) => r.app.p50)),
    appP99Ms: median(rounds.map((r) => r.app.p99)),
    ratio: median(rounds.map((r) => r.ratio)),
  };
  return {
    title: 'Authenticated GET /api/users/me vs bare NestJS+Fastify GET (50 connections)',
    rounds,
    median: m,
    targets: { ratioMin: TARGETS.meRatio, p99MaxMs: TARGETS.meP99Ms },
    pass: { ratio: m.ratio >= TARGETS.meRatio, p99: m.appP99Ms <= TARGETS.meP99Ms },
  };
}
