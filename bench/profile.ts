// `npm run bench:profile [-- PART …] [--quick]`: the analysis behind bench/notes.md.
// Nothing here is a measured result of `npm run bench`; every part adds probes. PARTs (all by
// default; results merge into bench/results/profile/summary.json):
//
// - cpu: `node --cpu-prof` of the service and the same-work baseline, loaded one path at a time
//   (service /health/live, same-work /live, service /api/users/me, same-work /me, service logins),
//   each path's samples cut out of the profile by time window; µs of main-thread CPU per request
//   by category and function, self and inclusive (bench/lib/cpuprofile.ts). `reanalyse` redoes the
//   analysis of the last cpu profiles (after a change to the categories).
// - login: logins ÷ bcrypt ceiling at 16 and 8 connections, cold (fresh process, empty pg pool) and
//   warm, with failed logins by status code and the app's error lines.
// - pool: the same storms in a process preloaded with bench/probes/libuv-pool.ts: what waits on the
//   libuv pool and how long, every new pg connection's time, and PostgreSQL's view
//   (pg_stat_activity: backends, advisory-lock waits).
// - memory: heap snapshots of the service and the same-work baseline at start and under load; RSS
//   with and without SWAGGER_ENABLED; what loading the modules alone costs.
// - promoted: what survives the young generation per request, by allocating function
//   (bench/probes/heap-sampling.ts).
// - gc: `--trace-gc` under load: heap before/after collections and steady-state promotion per
//   request, for the service, the same-work baseline and two V8 settings.
//
// Output: bench/results/profile/ (git-ignored): *.cpuprofile, *.heapsnapshot, *.heapprofile,
// summary.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { appEnv, CONFIG, QUICK, tempDataDir } from './config';
import { accessToken, registerAccount, type Account } from './lib/api';
import { summariseWindow, type WindowSummary } from './lib/cpuprofile';
import { embeddedDb, sameWorkEnv, type EmbeddedDb } from './lib/embedded-db';
import { summariseAllocations } from './lib/heapprofile';
import { summariseHeap } from './lib/heapsnapshot';
import { load, log, round, type LoadOptions } from './lib/load';
import {
  APP_MAIN,
  POOL_PROBE,
  ROOT,
  SAME_WORK_MAIN,
  spawnServer,
  waitFor,
  type Server,
} from './lib/proc';
import { bcryptCeiling, loginLoad } from './scenarios/login';

const OUT = join(ROOT, 'bench', 'results', 'profile');
const EXIT_ON_SIGNAL = ['-r', join(ROOT, 'dist-bench', 'probes', 'exit-on-signal.js')];
const SECONDS = QUICK ? 4 : 12;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Started {
  dataDir: string;
  env: Record<string, string>;
  app: Server;
  account: Account;
  token: string;
}

async function startApp(tag: string, flags: string[], extraEnv: Record<string, string> = {}) {
  const dataDir = tempDataDir(tag);
  const env = { ...appEnv(dataDir), ...extraEnv };
  const app = await spawnServer(APP_MAIN, env, flags);
  try {
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
  } catch (error) {
    process.stderr.write(app.output());
    throw error;
  }
  const account = await registerAccount(app.url);
  const token = await accessToken(app.url, account);
  return { dataDir, env, app, account, token } satisfies Started;
}

/** The app's error lines (app.log) grouped by the first line of their detail: why requests failed. */
function appErrors(s: Started): Record<string, number> {
  const counts: Record<string, number> = {};
  let text = '';
  try {
    text = readFileSync(join(s.env.LOG_DIR, 'app.log'), 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"level":"error"')) continue;
    const entry = JSON.parse(line) as { message?: string; detail?: string };
    const key = `${entry.message ?? ''}: ${(entry.detail ?? '').split('\n')[0].slice(0, 120)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function stopApp(s: Started): Promise<void> {
  await s.app.stop();
  rmSync(s.dataDir, { recursive: true, force: true });
}

// ───────────────────────────────────────── cpu ─────────────────────────────────────────

async function cpu() {
  const prof = (name: string) => [
    '--cpu-prof',
    `--cpu-prof-dir=${OUT}`,
    `--cpu-prof-name=${name}`,
    ...EXIT_ON_SIGNAL,
  ];
  for (const f of readdirSync(OUT)) if (f.endsWith('.cpuprofile')) rmSync(join(OUT, f));
  const s = await startApp('prof-cpu', prof('service.cpuprofile'));
  const same = await spawnServer(
    SAME_WORK_MAIN,
    sameWorkEnv(embeddedDb(s.dataDir), s.env, s.app.url),
    prof('same-work.cpuprofile'),
  );
  await waitFor(`${same.url}/live`, 200, same.spawnedAt);
  const auth = { authorization: `Bearer ${s.token}` };
  const c = CONFIG.connections;
  const paths: Array<[string, 'service' | 'same-work', Omit<LoadOptions, 'seconds'>]> = [
    ['service GET /health/live', 'service', { url: `${s.app.url}/health/live`, connections: c }],
    ['same-work GET /live', 'same-work', { url: `${same.url}/live`, connections: c }],
    [
      'service GET /api/users/me',
      'service',
      { url: `${s.app.url}/api/users/me`, headers: auth, connections: c },
    ],
    ['same-work GET /me', 'same-work', { url: `${same.url}/me`, headers: auth, connections: c }],
    [
      `service POST /api/auth/login (${CONFIG.loginConnections} connections)`,
      'service',
      {
        url: `${s.app.url}/api/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s.account),
        connections: CONFIG.loginConnections,
      },
    ],
  ];
  const windows: CpuWindow[] = [];
  try {
    for (const [label, proc, opts] of paths) {
      await load({ ...opts, seconds: 2 });
      const from = nowUs();
      const r = await load({ ...opts, seconds: SECONDS });
      const to = nowUs();
      windows.push({ label, process: proc, from, to, rps: r.rps, p99: r.p99 });
      log(`cpu: ${label}: ${r.rps} req/s, p99 ${r.p99} ms (${r.non2xx} non-2xx)`);
    }
  } finally {
    await same.stop();
    await stopApp(s);
  }
  return analyse(windows);
}

type CpuWindow = {
  label: string;
  process: string;
  from: number;
  to: number;
  rps: number;
  p99: number;
};

function analyse(windows: CpuWindow[]) {
  const result: Record<string, CpuWindow & WindowSummary> = {};
  for (const w of windows) {
    const file = join(OUT, `${w.process}.cpuprofile`);
    const summary = { ...w, ...summariseWindow(file, w.from, w.to, 30) };
    result[w.label] = summary;
    // µs of main-thread CPU per request: comparable across processes, unlike percentages.
    const requests = Math.max(1, (w.rps * (w.to - w.from)) / 1e6);
    const us = (p: number) => Math.round((summary.busyMs * 1000 * p) / 100 / requests);
    const line = (p: number, text: string) =>
      `  ${p.toFixed(1).padStart(5)}% ${String(us(p)).padStart(5)} µs/req  ${text}\n`;
    process.stderr.write(
      `\n== ${w.label}: ${w.rps} req/s, p99 ${w.p99} ms; main thread busy ${summary.busyPercentOfWindow}% of the window, ${us(100)} µs CPU per request\n` +
        ' self time by category:\n' +
        summary.selfByCategory
          .slice(0, 16)
          .map((c) => line(c.percent, c.category))
          .join('') +
        ' inclusive time by category:\n' +
        summary.inclusiveByCategory
          .slice(0, 22)
          .map((c) => line(c.percent, c.category))
          .join('') +
        ' self time, top functions:\n' +
        summary.selfTop
          .slice(0, 15)
          .map((f) => line(f.percent, f.name))
          .join('') +
        ' inclusive time, top functions:\n' +
        summary.inclusiveTop
          .slice(0, 30)
          .map((f) => line(f.percent, f.name))
          .join(''),
    );
  }
  process.stderr.write(comparison(result));
  return result;
}

/**
 * Self time per request by category, service against same-work, per path: the markdown table
 * behind bench/notes.md. Rows sorted by the service's excess on /health/live, then /me.
 */
function comparison(result: Record<string, CpuWindow & WindowSummary>): string {
  const pairs: Array<[string, string]> = [
    ['service GET /health/live', 'same-work GET /live'],
    ['service GET /api/users/me', 'same-work GET /me'],
  ];
  const perRequest = (label: string) => {
    const w = result[label];
    const map = new Map<string, number>();
    if (!w) return map;
    const requests = Math.max(1, (w.rps * (w.to - w.from)) / 1e6);
    for (const c of w.selfByCategory)
      map.set(c.category, (w.busyMs * 1000 * c.percent) / 100 / requests);
    map.set('TOTAL', (w.busyMs * 1000) / requests);
    return map;
  };
  const cols = pairs.flatMap(([a, b]) => [perRequest(a), perRequest(b)]);
  const categories = [...new Set(cols.flatMap((m) => [...m.keys()]))];
  const excess = (c: string) =>
    (cols[0].get(c) ?? 0) - (cols[1].get(c) ?? 0) + (cols[2].get(c) ?? 0) - (cols[3].get(c) ?? 0);
  categories.sort((a, b) => (a === 'TOTAL' ? -1 : b === 'TOTAL' ? 1 : excess(b) - excess(a)));
  const n = (v: number | undefined) => String(Math.round(v ?? 0));
  return [
    '\n| self time, µs of main-thread CPU per request | service /health/live | same-work /live | service /api/users/me | same-work /me |',
    '|---|---:|---:|---:|---:|',
    ...categories.map((c) => `| ${c} | ${cols.map((m) => n(m.get(c))).join(' | ')} |`),
    '',
  ].join('\n');
}

/** `reanalyse`: the last cpu part's profiles and windows again, after a change to the categories. */
function reanalyse(previous: { windows: Record<string, CpuWindow> }) {
  return analyse(Object.values(previous.windows));
}

// ──────────────────────────────────────── login ────────────────────────────────────────

/** PostgreSQL's view every 200 ms: the app's backends by state, and who waits on which lock. */
function pgWatcher(db: EmbeddedDb) {
  const client = new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    ssl: { ca: readFileSync(db.caFile, 'utf8'), rejectUnauthorized: true },
  });
  const samples: Array<{
    backends: number;
    active: number;
    idleInTx: number;
    advisoryWaits: number;
    otherWaits: number;
  }> = [];
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  client.on('error', (error) => log(`pg watcher: ${error.message}`));
  return {
    async start() {
      await client.connect();
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        client
          .query<{
            backends: number;
            active: number;
            idle_in_tx: number;
            advisory: number;
            other: number;
          }>(
            `SELECT count(*)::int AS backends,
                    count(*) FILTER (WHERE state = 'active')::int AS active,
                    count(*) FILTER (WHERE state = 'idle in transaction')::int AS idle_in_tx,
                    count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory')::int AS advisory,
                    count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory')::int AS other
               FROM pg_stat_activity WHERE usename = 'app' AND pid <> pg_backend_pid()`,
          )
          .then(({ rows: [r] }) =>
            samples.push({
              backends: r.backends,
              active: r.active,
              idleInTx: r.idle_in_tx,
              advisoryWaits: r.advisory,
              otherWaits: r.other,
            }),
          )
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 200);
    },
    summary() {
      const n = Math.max(1, samples.length);
      const mean = (k: keyof (typeof samples)[number]) =>
        round(samples.reduce((a, s) => a + s[k], 0) / n, 2);
      const max = (k: keyof (typeof samples)[number]) => Math.max(0, ...samples.map((s) => s[k]));
      const out = {
        samples: samples.length,
        backendsMax: max('backends'),
        activeMean: mean('active'),
        idleInTransactionMean: mean('idleInTx'),
        advisoryLockWaitersMean: mean('advisoryWaits'),
        advisoryLockWaitersMax: max('advisoryWaits'),
        sampledWithAdvisoryWaiterPercent: round(
          (100 * samples.filter((s) => s.advisoryWaits > 0).length) / n,
          1,
        ),
        otherLockWaitersMax: max('otherWaits'),
      };
      samples.length = 0;
      return out;
    },
    async stop() {
      clearInterval(timer);
      await client.end();
    },
  };
}

async function ratioAt(s: Started, connections: number, seconds: number) {
  const bcrypt = await import('bcrypt');
  const input = 'x'.repeat(44);
  const hash = await bcrypt.hash(input, CONFIG.bcryptRounds);
  const ceiling = await bcryptCeiling(hash, input, seconds, connections);
  const r = await load({
    url: `${s.app.url}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(s.account),
    connections,
    seconds,
  });
  return {
    connections,
    ceilingPerSec: ceiling,
    loginsPerSec: r.rps,
    ratio: round(r.rps / ceiling, 3),
    p50: r.p50,
    p99: r.p99,
    non2xx: r.non2xx,
    statusCodes: r.statusCodes,
    errors: r.errors,
  };
}

const LOGIN_SECONDS = QUICK ? 5 : 15;

async function login() {
  const seconds = LOGIN_SECONDS;
  // 1. Throughput, no probes: cold 16 (fresh process), warm 16, 8.
  const plain = await startApp('prof-login', []);
  const ratios: Array<{ label: string } & Awaited<ReturnType<typeof ratioAt>>> = [];
  let errors: Record<string, number> = {};
  try {
    for (const [label, conns] of [
      ['cold, 16 connections', 16],
      ['warm, 16 connections', 16],
      ['warm, 8 connections', 8],
      ['warm, 16 connections again', 16],
    ] as const) {
      const r = await ratioAt(plain, conns, seconds);
      ratios.push({ label, ...r });
      log(`login: ${label}: ${JSON.stringify(r)}`);
    }
    errors = appErrors(plain);
  } finally {
    await stopApp(plain);
  }
  return { ratios, appErrors: errors };
}

/** The login storms again in a probed process: libuv pool waits, pg connects, PostgreSQL's view. */
async function pool() {
  const seconds = LOGIN_SECONDS;
  const probeOut = join(OUT, 'libuv-pool.json');
  const probed = await startApp('prof-pool', ['-r', POOL_PROBE], { BENCH_PROBE_OUT: probeOut });
  const watcher = pgWatcher(embeddedDb(probed.dataDir));
  await watcher.start();
  const storms: Record<string, unknown> = {};
  try {
    probed.app.child.kill('SIGURG'); // reset the counters: start-up and registration are not the storm
    await sleep(200);
    watcher.summary();
    for (const label of ['cold, 16 connections', 'warm, 16 connections']) {
      const r = await loginLoad(probed.app.url, probed.account, seconds);
      probed.app.child.kill('SIGURG');
      await sleep(300);
      storms[label] = {
        loginsPerSec: r.rps,
        p99: r.p99,
        non2xx: r.non2xx,
        statusCodes: r.statusCodes,
        errors: r.errors,
        appErrors: appErrors(probed),
        libuv: JSON.parse(readFileSync(probeOut, 'utf8')) as unknown,
        postgres: watcher.summary(),
      };
      log(`login (probed): ${label}: ${JSON.stringify(storms[label]).slice(0, 400)}`);
    }
  } catch (error) {
    process.stderr.write(probed.app.output());
    throw error;
  } finally {
    await watcher.stop();
    await stopApp(probed);
  }
  return storms;
}

// ──────────────────────────────────────── memory ───────────────────────────────────────

/** Sends SIGWINCH (--heapsnapshot-signal; Nest's shutdown hooks own SIGUSR2) and waits for the new snapshot file to be complete. */
async function heapSnapshot(server: Server, name: string): Promise<string> {
  const before = new Set(readdirSync(OUT));
  server.child.kill('SIGWINCH');
  for (let i = 0; i < 600; i++) {
    await sleep(250);
    const fresh = readdirSync(OUT).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!fresh) continue;
    const path = join(OUT, fresh);
    const size = () => statSync(path).size;
    const first = size();
    await sleep(1_000);
    if (first > 0 && size() === first) {
      const target = join(OUT, `${name}.heapsnapshot`);
      rmSync(target, { force: true });
      execFileSync('mv', [path, target]);
      return target;
    }
  }
  throw new Error(`no heap snapshot from ${name}`);
}

/** VmRSS and its anonymous / file-backed split from /proc/<pid>/status. */
function rssBreakdown(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const fields = new Map(
    status.split('\n').map((line) => [line.split(':')[0], parseInt(line.split(':')[1] ?? '', 10)]),
  );
  const kb = (k: string) => fields.get(k) ?? 0;
  const mb = (v: number) => round(v / 1024, 1);
  return { rssMb: mb(kb('VmRSS')), anonMb: mb(kb('RssAnon')), fileMb: mb(kb('RssFile')) };
}

async function memoryPart() {
  for (const f of readdirSync(OUT)) if (f.endsWith('.heapsnapshot')) rmSync(join(OUT, f));
  const snapFlags = [`--heapsnapshot-signal=SIGWINCH`, `--diagnostic-dir=${OUT}`];
  const requests = QUICK ? 20_000 : 60_000;
  const out: Record<string, unknown> = {};

  // The service: start, then under /me load (snapshot taken while the load runs).
  const s = await startApp('prof-mem', snapFlags);
  let same: Server | undefined;
  try {
    await sleep(1_000);
    out.serviceStart = rssBreakdown(s.app.child.pid as number);
    out.serviceStartHeap = summariseHeap(await heapSnapshot(s.app, 'service-start'));
    const me = {
      url: `${s.app.url}/api/users/me`,
      headers: { authorization: `Bearer ${s.token}` },
      connections: CONFIG.connections,
    };
    await load({ ...me, amount: requests });
    out.serviceLoadedRss = rssBreakdown(s.app.child.pid as number);
    const running = load({ ...me, seconds: 30 });
    await sleep(2_000);
    out.serviceUnderLoadRss = rssBreakdown(s.app.child.pid as number);
    out.serviceUnderLoadHeap = summariseHeap(await heapSnapshot(s.app, 'service-under-load'));
    await running;
    log(
      `memory: service ${JSON.stringify(out.serviceStart)} → ${JSON.stringify(out.serviceUnderLoadRss)}`,
    );

    // The same-work baseline, the same way.
    same = await spawnServer(
      SAME_WORK_MAIN,
      sameWorkEnv(embeddedDb(s.dataDir), s.env, s.app.url),
      snapFlags,
    );
    await waitFor(`${same.url}/live`, 200, same.spawnedAt);
    await sleep(1_000);
    out.sameWorkStart = rssBreakdown(same.child.pid as number);
    out.sameWorkStartHeap = summariseHeap(await heapSnapshot(same, 'same-work-start'));
    const sameMe = { ...me, url: `${same.url}/me` };
    await load({ ...sameMe, amount: requests });
    const running2 = load({ ...sameMe, seconds: 30 });
    await sleep(2_000);
    out.sameWorkUnderLoadRss = rssBreakdown(same.child.pid as number);
    out.sameWorkUnderLoadHeap = summariseHeap(await heapSnapshot(same, 'same-work-under-load'));
    await running2;
  } finally {
    await same?.stop();
    await stopApp(s);
  }

  // Swagger: the idle service with the docs module set up, against without (the bench's setting).
  const swagger: Record<string, unknown> = {};
  for (const enabled of ['false', 'true']) {
    const a = await startApp(`prof-swagger-${enabled}`, [], { SWAGGER_ENABLED: enabled });
    try {
      await sleep(2_000);
      swagger[`SWAGGER_ENABLED=${enabled}`] = rssBreakdown(a.app.child.pid as number);
      if (enabled === 'true') {
        // The first /docs-json builds the document; measure after it too.
        await fetch(`${a.app.url}/docs-json`).then((r) => r.arrayBuffer());
        await sleep(1_000);
        swagger['SWAGGER_ENABLED=true, after GET /docs-json'] = rssBreakdown(
          a.app.child.pid as number,
        );
      }
    } finally {
      await stopApp(a);
    }
  }
  out.swagger = swagger;
  out.modules = moduleCosts();
  return out;
}

const GC_LINE =
  /(Scavenge|Mark-Compact(?: \(reduce\))?|Mark-sweep)\s+([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

/**
 * Parses `--trace-gc` lines: how far the heap grows before each kind of collection, what survives,
 * and the steady-state promotion: over the second half of the run, the mean growth of the heap
 * after one scavenge to after the next (not across a mark-compact), i.e. what each scavenge moved
 * into the old generation, per request.
 */
function gcStats(lines: string[], requests: number) {
  const events: Array<{
    kind: 'scavenge' | 'mark-compact';
    before: number;
    committed: number;
    after: number;
  }> = [];
  for (const line of lines) {
    const m = GC_LINE.exec(line);
    if (!m) continue;
    events.push({
      kind: m[1].startsWith('Scavenge') ? 'scavenge' : 'mark-compact',
      before: Number(m[2]),
      committed: Number(m[3]),
      after: Number(m[4]),
    });
  }
  const scavenges = events.filter((e) => e.kind === 'scavenge');
  const marks = events.filter((e) => e.kind === 'mark-compact');
  const deltas: number[] = [];
  for (let i = Math.floor(events.length / 2) + 1; i < events.length; i++) {
    if (events[i].kind === 'scavenge' && events[i - 1].kind === 'scavenge')
      deltas.push(events[i].after - events[i - 1].after);
  }
  const perScavengeMb = deltas.length ? deltas.reduce((a, b) => a + b, 0) / deltas.length : 0;
  const max = (l: typeof events, k: 'before' | 'committed' | 'after') =>
    l.length ? Math.max(...l.map((x) => x[k])) : 0;
  return {
    scavenges: scavenges.length,
    markCompacts: marks.length,
    heapBeforeMarkCompactMaxMb: max(marks, 'before'),
    heapAfterMarkCompactMb: marks.map((x) => x.after),
    heapCommittedMaxMb: max(events, 'committed'),
    heapAfterScavengeMaxMb: max(scavenges, 'after'),
    steadyPromotedMbPerScavenge: round(perScavengeMb, 3),
    steadyPromotedBytesPerRequest: Math.round(
      (perScavengeMb * 1048576 * scavenges.length) / requests,
    ),
  };
}

/** `requests` authenticated GETs of `url` on a `--trace-gc` server: RSS against the V8 heap. */
async function traceGc(server: Server, url: string, token: string, requests: number) {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString().split('\n'));
  server.child.stdout?.on('data', keep);
  const pid = server.child.pid as number;
  const rssBefore = rssBreakdown(pid);
  let rssMax = rssBefore.rssMb;
  const timer = setInterval(() => (rssMax = Math.max(rssMax, rssBreakdown(pid).rssMb)), 250);
  const r = await load({
    url,
    headers: { authorization: `Bearer ${token}` },
    connections: CONFIG.connections,
    amount: requests,
  });
  clearInterval(timer);
  server.child.stdout?.off('data', keep);
  return {
    rps: r.rps,
    rssBefore,
    rssMaxMb: rssMax,
    rssAfter: rssBreakdown(pid),
    gc: gcStats(lines, requests),
  };
}

/**
 * The service and the same-work baseline under `requests` authenticated /me with `--trace-gc`,
 * then the service again with larger young generations (fewer scavenges, so fewer in-flight
 * requests' objects promoted to the old generation): one run each, throughput indicative only.
 */
async function gcTraces(requests: number) {
  const out: Record<string, unknown> = {};
  const s = await startApp('prof-gc', ['--trace-gc']);
  let same: Server | undefined;
  try {
    same = await spawnServer(SAME_WORK_MAIN, sameWorkEnv(embeddedDb(s.dataDir), s.env, s.app.url), [
      '--trace-gc',
    ]);
    await waitFor(`${same.url}/live`, 200, same.spawnedAt);
    out.service = await traceGc(s.app, `${s.app.url}/api/users/me`, s.token, requests);
    log(`gc: service: ${JSON.stringify(out.service).slice(0, 300)}`);
    // /health/live passes no guard that keeps per-request state: does the old generation still fill?
    out['service /health/live'] = await traceGc(
      s.app,
      `${s.app.url}/health/live`,
      s.token,
      requests,
    );
    log(`gc: service /health/live: ${JSON.stringify(out['service /health/live']).slice(0, 300)}`);
    out['same-work'] = await traceGc(same, `${same.url}/me`, s.token, requests);
    log(`gc: same-work: ${JSON.stringify(out['same-work']).slice(0, 300)}`);
  } finally {
    await same?.stop();
    await stopApp(s);
  }
  // V8 settings that change promotion: a larger young generation (fewer scavenges), and no
  // allocation-site pretenuring (V8 allocates objects of "long-lived" sites straight in old space).
  for (const flag of ['--max-semi-space-size=32', '--no-allocation-site-pretenuring']) {
    const v = await startApp('prof-gc-v', ['--trace-gc', flag]);
    try {
      out[`service ${flag}`] = await traceGc(v.app, `${v.app.url}/api/users/me`, v.token, requests);
      log(`gc: service ${flag}: ${JSON.stringify(out[`service ${flag}`]).slice(0, 300)}`);
    } finally {
      await stopApp(v);
    }
  }
  return out;
}

/** Samples what one load on `url` promotes out of the young generation (bench/probes/heap-sampling.ts). */
async function promotedBy(
  server: Server,
  url: string,
  token: string,
  requests: number,
  out: string,
) {
  const options = {
    url,
    headers: { authorization: `Bearer ${token}` },
    connections: CONFIG.connections,
  };
  await load({ ...options, amount: Math.min(10_000, requests) }); // warm: code, pools, caches
  rmSync(out, { force: true });
  server.child.kill('SIGURG');
  await sleep(200);
  const r = await load({ ...options, amount: requests });
  server.child.kill('SIGURG');
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    try {
      if (statSync(out).size > 0) break;
    } catch {
      // not written yet
    }
  }
  await sleep(500);
  const summary = summariseAllocations(out);
  log(`promoted: ${url}: ${summary.totalMb} MB sampled over ${requests} requests (${r.rps} req/s)`);
  return { requests, rps: r.rps, ...summary };
}

/**
 * What fills the old generation: allocations that survive scavenges, by allocating function and
 * category, for the service's /health/live and /me and the same-work baseline's /me.
 */
async function promoted() {
  const requests = QUICK ? 10_000 : 30_000;
  const probe = ['-r', join(ROOT, 'dist-bench', 'probes', 'heap-sampling.js')];
  const serviceOut = join(OUT, 'service.heapprofile');
  const sameOut = join(OUT, 'same-work.heapprofile');
  const s = await startApp('prof-promoted', probe, { BENCH_HEAP_PROFILE_OUT: serviceOut });
  let same: Server | undefined;
  const result: Record<string, unknown> = {};
  try {
    result['service GET /api/users/me'] = await promotedBy(
      s.app,
      `${s.app.url}/api/users/me`,
      s.token,
      requests,
      serviceOut,
    );
    result['service GET /health/live'] = await promotedBy(
      s.app,
      `${s.app.url}/health/live`,
      s.token,
      requests,
      serviceOut,
    );
    same = await spawnServer(
      SAME_WORK_MAIN,
      { ...sameWorkEnv(embeddedDb(s.dataDir), s.env, s.app.url), BENCH_HEAP_PROFILE_OUT: sameOut },
      probe,
    );
    await waitFor(`${same.url}/live`, 200, same.spawnedAt);
    result['same-work GET /me'] = await promotedBy(
      same,
      `${same.url}/me`,
      s.token,
      requests,
      sameOut,
    );
  } finally {
    await same?.stop();
    await stopApp(s);
  }
  for (const [label, r] of Object.entries(result) as Array<
    [string, ReturnType<typeof summariseAllocations> & { requests: number }]
  >) {
    const perReq = (mbValue: number) => Math.round((mbValue * 1024 * 1024) / r.requests);
    process.stderr.write(
      `\n== promoted by ${label}: ${r.totalMb} MB sampled, ~${perReq(r.totalMb)} bytes per request\n` +
        r.selfByCategory
          .slice(0, 14)
          .map(
            (c) =>
              `  ${c.percent.toFixed(1).padStart(5)}% ${String(perReq(c.mb)).padStart(6)} B/req  ${c.category}\n`,
          )
          .join('') +
        ' top allocating functions:\n' +
        r.selfTop
          .slice(0, 15)
          .map(
            (f) =>
              `  ${f.percent.toFixed(1).padStart(5)}% ${String(perReq(f.mb)).padStart(6)} B/req  ${f.name}\n`,
          )
          .join(''),
    );
  }
  return result;
}

/**
 * What loading costs before any request: RSS and heap after requiring the framework alone, each
 * heavy package on top, and the whole application module (a fresh `node` per step).
 */
function moduleCosts() {
  const steps: Array<[string, string[]]> = [
    ['node alone', []],
    ['@nestjs/core + platform-fastify', ['@nestjs/core', '@nestjs/platform-fastify']],
    ['+ @nestjs/swagger', ['@nestjs/core', '@nestjs/platform-fastify', '@nestjs/swagger']],
    ['+ typeorm + pg', ['@nestjs/core', '@nestjs/platform-fastify', 'typeorm', 'pg']],
    [
      '+ class-validator + class-transformer',
      ['@nestjs/core', '@nestjs/platform-fastify', 'class-validator', 'class-transformer'],
    ],
    ['+ winston', ['@nestjs/core', '@nestjs/platform-fastify', 'winston', 'nest-winston']],
    ['+ @nestjs/terminus', ['@nestjs/core', '@nestjs/platform-fastify', '@nestjs/terminus']],
    ['dist/app.module.js (the whole app, not started)', [join(ROOT, 'dist', 'app.module.js')]],
  ];
  return steps.map(([label, mods]) => {
    const script = `require('reflect-metadata');${mods.map((m) => `require(${JSON.stringify(m)});`).join('')}global.gc&&global.gc();const u=process.memoryUsage();console.log(JSON.stringify({rssMb:Math.round(u.rss/1048576*10)/10,heapUsedMb:Math.round(u.heapUsed/1048576*10)/10}))`;
    const json = execFileSync(process.execPath, ['--expose-gc', '-e', script], {
      cwd: ROOT,
    }).toString();
    return { label, ...(JSON.parse(json) as { rssMb: number; heapUsedMb: number }) };
  });
}

// ───────────────────────────────────────── main ────────────────────────────────────────

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const parts = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const want = (p: string) =>
    parts.filter((x) => x !== 'reanalyse').length === 0
      ? !parts.includes('reanalyse')
      : parts.includes(p);
  const summaryFile = join(OUT, 'summary.json');
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  const stamp = {
    date: new Date().toISOString(),
    quick: QUICK,
    loadAverage: (await import('node:os')).loadavg(),
  };
  if (want('cpu')) summary.cpu = { ...stamp, windows: await cpu() };
  if (parts.includes('reanalyse') && summary.cpu) {
    const previous = summary.cpu as { windows: Record<string, CpuWindow> };
    summary.cpu = { ...previous, windows: reanalyse(previous) };
  }
  if (want('login')) summary.login = { ...stamp, ...(await login()) };
  if (want('pool')) summary.pool = { ...stamp, storms: await pool() };
  if (want('memory')) summary.memory = { ...stamp, ...(await memoryPart()) };
  if (want('promoted')) summary.promoted = { ...stamp, ...(await promoted()) };
  if (want('gc')) summary.gc = { ...stamp, ...(await gcTraces(QUICK ? 20_000 : 60_000)) };
  writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  log(`wrote ${summaryFile}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
