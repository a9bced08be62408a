import { appEnv, CONFIG, TARGETS } from '../config';
import { accessToken, registerAccount, type Account } from '../lib/api';
import { embeddedDb, sameWorkEnv } from '../lib/embedded-db';
import { load, log, median, round } from '../lib/load';
import {
  APP_MAIN,
  MEMORY_LIMIT_MB,
  rssMb,
  SAME_WORK_MAIN,
  spawnServer,
  waitFor,
} from '../lib/proc';
import { loginLoad } from './login';

interface Sample {
  seconds: number;
  phase: string;
  requests: number;
  rssMb: number;
}

/** RSS every CONFIG.memorySampleMs, tagged with the phase and the requests sent so far. */
function sampler(pid: number) {
  const started = performance.now();
  const state = { phase: 'start', requests: 0 };
  const samples: Sample[] = [];
  const take = () =>
    samples.push({
      seconds: round((performance.now() - started) / 1000, 1),
      ...state,
      rssMb: rssMb(pid),
    });
  take();
  const timer = setInterval(take, CONFIG.memorySampleMs);
  return {
    state,
    samples,
    take,
    stop: () => clearInterval(timer),
  };
}

/** Least-squares slope of RSS against requests, in MB per 10k requests. */
function slopePer10k(points: Array<{ requests: number; rssMb: number }>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.requests, 0) / n;
  const my = points.reduce((a, p) => a + p.rssMb, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.requests - mx) * (p.rssMb - my), 0);
  const sxx = points.reduce((a, p) => a + (p.requests - mx) ** 2, 0);
  return sxx === 0 ? 0 : round((sxy / sxx) * 10_000, 2);
}

/**
 * CONFIG.memoryTotal authenticated GET `mePath` in steps of CONFIG.memoryStep (50 connections),
 * then, when `storm` is given, CONFIG.memoryStormSeconds of logins at CONFIG.loginConnections,
 * then 2 s idle; RSS sampled over time and after every step.
 */
async function profileRss(
  pid: number,
  mePath: string,
  token: string,
  storm?: () => Promise<unknown>,
) {
  const s = sampler(pid);
  const steps: Array<{ requests: number; rssMb: number; rps?: number }> = [
    { requests: 0, rssMb: rssMb(pid) },
  ];
  try {
    s.state.phase = 'me';
    for (let sent = 0; sent < CONFIG.memoryTotal; sent += CONFIG.memoryStep) {
      const r = await load({
        url: mePath,
        headers: { authorization: `Bearer ${token}` },
        connections: CONFIG.connections,
        amount: CONFIG.memoryStep,
      });
      if (r.non2xx || r.errors) throw new Error(`memory: ${r.non2xx} non-2xx, ${r.errors} errors`);
      s.state.requests = sent + CONFIG.memoryStep;
      steps.push({ requests: s.state.requests, rssMb: rssMb(pid), rps: r.rps });
    }
    let stormResult: unknown;
    if (storm) {
      s.state.phase = 'login storm';
      stormResult = await storm();
    }
    s.state.phase = 'idle';
    await new Promise((r) => setTimeout(r, 2_000));
    s.take();
    const half = CONFIG.memoryTotal / 2;
    const at = (n: number) => steps.find((p) => p.requests === n)?.rssMb ?? NaN;
    const secondHalf = steps.filter((p) => p.requests >= half);
    const end = s.samples[s.samples.length - 1].rssMb;
    const summary = {
      rssStartMb: steps[0].rssMb,
      rssMidMb: at(half),
      rssAfterRequestsMb: at(CONFIG.memoryTotal),
      rssPeakMb: Math.max(...s.samples.map((p) => p.rssMb), ...steps.map((p) => p.rssMb)),
      rssEndMb: end,
      endMinusMidMb: round(end - at(half), 1),
      slopeSecondHalfMbPer10k: slopePer10k(secondHalf),
      // Indicative only (sequential, not alternating): /me req/s over the steps.
      meRpsMedian: round(
        median(steps.filter((p) => p.rps !== undefined).map((p) => p.rps as number)),
        1,
      ),
    };
    return { steps, samples: s.samples, storm: stormResult, median: summary };
  } finally {
    s.stop();
  }
}

/**
 * One fresh app process with `flags` on the command line, under `memoryLimitMb` (default: the
 * compose limit; null: the bare host): its RSS profile (the process is left running).
 */
export async function appRss(
  dataDir: string,
  flags: string[],
  env: Record<string, string> = {},
  memoryLimitMb: number | null = MEMORY_LIMIT_MB,
) {
  const app = await spawnServer(APP_MAIN, { ...appEnv(dataDir), ...env }, flags, { memoryLimitMb });
  try {
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    const account: Account = await registerAccount(app.url);
    const token = await accessToken(app.url, account);
    const settings = [
      memoryLimitMb === null ? 'no memory limit' : `memory limit ${memoryLimitMb} MB`,
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...flags,
    ];
    log(
      `scenario 3: app (${settings.join(', ')}) RSS over ${CONFIG.memoryTotal} GET /api/users/me and a login storm`,
    );
    const rss = await profileRss(app.child.pid as number, `${app.url}/api/users/me`, token, () =>
      loginLoad(app.url, account, CONFIG.memoryStormSeconds),
    );
    log(`  ${JSON.stringify(rss.median)}`);
    return { app, account, rss };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/**
 * Scenario 3: RSS of a fresh app process as shipped (reused DATA_DIR, the image's NODE_OPTIONS, the
 * compose memory limit) over CONFIG.memoryTotal authenticated GET /api/users/me and a login storm;
 * then the same started plainly on this host (informational: what V8 chooses by itself); then a
 * fresh same-work baseline, as shipped, measured the same way on /me (it has no login), against the
 * second app's database.
 */
export async function memory(dataDir: string) {
  const env = appEnv(dataDir);
  const first = await appRss(dataDir, []);
  await first.app.stop();
  // `node dist/main.js` as a developer starts it: V8 sizes the heap from this host's RAM.
  const second = await appRss(dataDir, [], { NODE_OPTIONS: '' }, null);
  let sameWork: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    sameWork = await spawnServer(
      SAME_WORK_MAIN,
      sameWorkEnv(embeddedDb(dataDir), env, second.app.url),
    );
    await waitFor(`${sameWork.url}/live`, 200, sameWork.spawnedAt);
    log(`scenario 3: same-work baseline RSS over ${CONFIG.memoryTotal} GET /me`);
    // A fresh session: the login storm opened more than MAX_SESSIONS_PER_USER sessions for the
    // account, which ended the least recently used ones (the first token's among them).
    const token = await accessToken(second.app.url, second.account);
    const baseRss = await profileRss(sameWork.child.pid as number, `${sameWork.url}/me`, token);
    log(`  same-work: ${JSON.stringify(baseRss.median)}`);

    const m = first.rss.median;
    const n = second.rss.median;
    return {
      title: `RSS (VmRSS) over ${CONFIG.memoryTotal} authenticated requests and a ${CONFIG.memoryStormSeconds} s login storm, the service as shipped`,
      app: first.rss,
      appUnshipped: second.rss,
      sameWork: baseRss,
      median: {
        ...m,
        sameWorkStartMb: baseRss.median.rssStartMb,
        sameWorkPeakMb: baseRss.median.rssPeakMb,
        sameWorkEndMb: baseRss.median.rssEndMb,
        sameWorkMeRpsMedian: baseRss.median.meRpsMedian,
        unshippedPeakMb: n.rssPeakMb,
        unshippedEndMb: n.rssEndMb,
        unshippedEndMinusMidMb: n.endMinusMidMb,
        unshippedMeRpsMedian: n.meRpsMedian,
      },
      targets: { rssMaxMb: TARGETS.rssMaxMb, flatDeltaMaxMb: TARGETS.rssFlatMb },
      pass: {
        rss: m.rssPeakMb <= TARGETS.rssMaxMb,
        flat: m.endMinusMidMb <= TARGETS.rssFlatMb,
      },
    };
  } finally {
    await sameWork?.stop();
    await second.app.stop();
  }
}
