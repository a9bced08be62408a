import { CONFIG, TARGETS } from '../config';
import { load, log, median, round, type LoadOptions, type LoadResult } from '../lib/load';

export interface Urls {
  app: string;
  bare: string;
  sameWork: string;
}

/** The five sides measured in every round, each by its own autocannon run. */
type Side = 'bareHello' | 'sameWorkLive' | 'appLive' | 'sameWorkMe' | 'appMe';
const ORDER: Side[] = ['bareHello', 'sameWorkLive', 'appLive', 'sameWorkMe', 'appMe'];

export type ThroughputRound = Record<Side, LoadResult> & {
  liveRatio: number;
  meRatio: number;
  meRatioBare: number;
  liveRatioBare: number;
};

function targets(urls: Urls, token: string): Record<Side, Omit<LoadOptions, 'seconds'>> {
  const auth = { authorization: `Bearer ${token}` };
  const c = CONFIG.connections;
  return {
    bareHello: { url: `${urls.bare}/hello`, connections: c },
    sameWorkLive: { url: `${urls.sameWork}/live`, connections: c },
    appLive: { url: `${urls.app}/health/live`, connections: c },
    sameWorkMe: { url: `${urls.sameWork}/me`, headers: auth, connections: c },
    appMe: { url: `${urls.app}/api/users/me`, headers: auth, connections: c },
  };
}

/** Headers whose values legitimately differ per request; their presence (and length) must match. */
const PER_REQUEST = new Set(['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset']);

function headerDifferences(path: string, app: Headers, same: Headers): string[] {
  const problems: string[] = [];
  const names = new Set([...app.keys(), ...same.keys()]);
  for (const name of names) {
    const a = app.get(name);
    const s = same.get(name);
    if (a === null) problems.push(`${path}: same-work sends ${name}, the service does not`);
    else if (s === null) problems.push(`${path}: the service sends ${name}, same-work does not`);
    else if (PER_REQUEST.has(name) ? a.length !== s.length : a !== s)
      problems.push(`${path}: ${name} is "${a}" (service) vs "${s}" (same-work)`);
  }
  return problems;
}

/**
 * The same-work baseline is only a yardstick while it sends what the service sends: the same
 * header set (values equal, per-request ones of equal length) and, for /me, the same body.
 */
export async function assertSameWork(urls: Urls, token: string): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
  const pairs: Array<[string, Response, Response]> = [
    ['/live', await get(`${urls.app}/health/live`), await get(`${urls.sameWork}/live`)],
    ['/me', await get(`${urls.app}/api/users/me`, auth), await get(`${urls.sameWork}/me`, auth)],
  ];
  const problems: string[] = [];
  for (const [path, app, same] of pairs) {
    const [a, s] = [await app.text(), await same.text()];
    if (app.status !== 200 || same.status !== 200)
      problems.push(`${path}: status ${app.status} (service) vs ${same.status} (same-work)`);
    if (a !== s) problems.push(`${path}: body ${a} (service) vs ${s} (same-work)`);
    problems.push(...headerDifferences(path, app.headers, same.headers));
  }
  if (problems.length > 0)
    throw new Error(`the same-work baseline differs from the service:\n  ${problems.join('\n  ')}`);
}

/**
 * Scenario 1: at 50 connections, the service's GET /health/live and authenticated GET
 * /api/users/me against the same-work baseline's /live and /me, and the bare baseline's /hello.
 * Every round runs all five, in alternating order (forwards, then backwards), so drift on a
 * shared machine hits every side alike; the ratios are taken within each round.
 */
export async function throughput(urls: Urls, token: string) {
  await assertSameWork(urls, token);
  const t = targets(urls, token);
  log(`scenario 1: warm-up ${CONFIG.warmupSeconds} s each`);
  for (const side of ORDER) await load({ ...t[side], seconds: CONFIG.warmupSeconds });
  const rounds: ThroughputRound[] = [];
  for (let i = 0; i < CONFIG.rounds; i++) {
    const results = {} as Record<Side, LoadResult>;
    for (const side of i % 2 === 0 ? ORDER : [...ORDER].reverse()) {
      const r = await load({ ...t[side], seconds: CONFIG.seconds });
      if (r.non2xx || r.errors)
        throw new Error(`${t[side].url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      results[side] = r;
    }
    const round3 = (a: number, b: number) => round(a / b, 3);
    rounds.push({
      ...results,
      liveRatio: round3(results.appLive.rps, results.sameWorkLive.rps),
      meRatio: round3(results.appMe.rps, results.sameWorkMe.rps),
      meRatioBare: round3(results.appMe.rps, results.bareHello.rps),
      liveRatioBare: round3(results.appLive.rps, results.bareHello.rps),
    });
    const r = rounds[i];
    log(
      `  round ${i + 1}: /live ${r.appLive.rps} vs ${r.sameWorkLive.rps} (${r.liveRatio}); ` +
        `/me ${r.appMe.rps} vs ${r.sameWorkMe.rps} (${r.meRatio}), p99 ${r.appMe.p99} vs ${r.sameWorkMe.p99} ms; ` +
        `bare ${r.bareHello.rps}`,
    );
  }
  const med = (pick: (r: ThroughputRound) => number) => round(median(rounds.map(pick)), 3);
  const m = {
    bareRps: med((r) => r.bareHello.rps),
    sameWorkLiveRps: med((r) => r.sameWorkLive.rps),
    appLiveRps: med((r) => r.appLive.rps),
    sameWorkMeRps: med((r) => r.sameWorkMe.rps),
    appMeRps: med((r) => r.appMe.rps),
    sameWorkMeP50Ms: med((r) => r.sameWorkMe.p50),
    sameWorkMeP99Ms: med((r) => r.sameWorkMe.p99),
    appMeP50Ms: med((r) => r.appMe.p50),
    appMeP99Ms: med((r) => r.appMe.p99),
    appLiveP99Ms: med((r) => r.appLive.p99),
    sameWorkLiveP99Ms: med((r) => r.sameWorkLive.p99),
    liveRatio: med((r) => r.liveRatio),
    meRatio: med((r) => r.meRatio),
    meRatioBare: med((r) => r.meRatioBare),
    liveRatioBare: med((r) => r.liveRatioBare),
  };
  return {
    title: `Service vs same-work and bare baselines (${CONFIG.connections} connections)`,
    rounds,
    median: m,
    ranges: {
      liveRatio: [
        Math.min(...rounds.map((r) => r.liveRatio)),
        Math.max(...rounds.map((r) => r.liveRatio)),
      ],
      meRatio: [
        Math.min(...rounds.map((r) => r.meRatio)),
        Math.max(...rounds.map((r) => r.meRatio)),
      ],
    },
    targets: {
      liveRatioMin: TARGETS.liveRatioSameWork,
      meRatioMin: TARGETS.meRatioSameWork,
      meP99MaxMs: TARGETS.meP99Ms,
      meRatioBareMin: TARGETS.meRatioBare,
    },
    pass: {
      liveRatio: m.liveRatio >= TARGETS.liveRatioSameWork,
      meRatio: m.meRatio >= TARGETS.meRatioSameWork,
      meP99: m.appMeP99Ms <= TARGETS.meP99Ms,
      meRatioBare: m.meRatioBare >= TARGETS.meRatioBare,
    },
  };
}
