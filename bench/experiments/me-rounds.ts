// A short trial of one change: the service's GET /api/users/me against the same-work /me,
// alternating rounds, nothing else (`npx tsx bench/experiments/me-rounds.ts [rounds] [seconds]
// [variant words for the app, as bench/experiments/variant.ts reads them]`).
// For trying a fix before the full `npm run bench`; its numbers are never committed.
import { appEnv, CONFIG, tempDataDir } from '../config';
import { accessToken, registerAccount } from '../lib/api';
import { embeddedDb, sameWorkEnv } from '../lib/embedded-db';
import { load, log, median } from '../lib/load';
import { readFileSync } from 'node:fs';
import { APP_MAIN, SAME_WORK_MAIN, spawnServer, waitFor, type Server } from '../lib/proc';
import { parseVariant } from './variant';

/** utime + stime of a process in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 4);
  const seconds = Number(process.argv[3] ?? 8);
  const dataDir = tempDataDir('me-rounds');
  const servers: Server[] = [];
  try {
    const env = appEnv(dataDir);
    const variant = parseVariant(process.argv.slice(4));
    log(`app: ${JSON.stringify(variant)}`);
    const app = await spawnServer(APP_MAIN, { ...env, ...variant.env }, variant.flags, {
      memoryLimitMb: variant.memoryLimitMb,
    });
    servers.push(app);
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    const same = await spawnServer(SAME_WORK_MAIN, sameWorkEnv(embeddedDb(dataDir), env, app.url));
    servers.push(same);
    await waitFor(`${same.url}/live`, 200, same.spawnedAt);
    const token = await accessToken(app.url, await registerAccount(app.url));
    const headers = { authorization: `Bearer ${token}` };
    const c = CONFIG.connections;
    const sides = {
      app: { url: `${app.url}/api/users/me`, headers, connections: c },
      same: { url: `${same.url}/me`, headers, connections: c },
    };
    for (const s of Object.values(sides)) await load({ ...s, seconds: 4 });
    const ratios: number[] = [];
    const cpus: Record<string, number[]> = { app: [], same: [] };
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? (['app', 'same'] as const) : (['same', 'app'] as const);
      const r: Record<string, { rps: number; p99: number; non2xx: number; cpu: number }> = {};
      for (const side of order) {
        const pid = (side === 'app' ? app : same).child.pid ?? 0;
        const before = cpuMicros(pid);
        const result = await load({ ...sides[side], seconds });
        const cpu = Math.round((cpuMicros(pid) - before) / (result.rps * seconds));
        r[side] = { ...result, cpu };
        cpus[side].push(cpu);
      }
      ratios.push(r.app.rps / r.same.rps);
      log(
        `round ${i + 1}: app ${r.app.rps} (p99 ${r.app.p99}, ${r.app.cpu} µs cpu/req, non2xx ${r.app.non2xx}) ` +
          `same ${r.same.rps} (p99 ${r.same.p99}, ${r.same.cpu} µs) ratio ${(r.app.rps / r.same.rps).toFixed(3)}`,
      );
    }
    log(
      `median ratio ${median(ratios).toFixed(3)}; cpu µs/req app ${median(cpus.app)} same ${median(cpus.same)}`,
    );
  } finally {
    for (const s of servers) await s.stop();
  }
}

void main();
