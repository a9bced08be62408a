// `tsx bench/profile.ts [seconds]`: CPU profile of dist/main.js under authenticated GET /api/users/me
// (50 connections) → bench/results/*.cpuprofile, and the 25 hottest self-time frames on stderr.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appEnv, CONFIG, tempDataDir } from './config';
import { accessToken, registerAccount } from './lib/api';
import { load, log } from './lib/load';
import { APP_MAIN, ROOT, spawnServer, waitFor } from './lib/proc';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

async function main(): Promise<void> {
  const dir = join(ROOT, 'bench', 'results');
  const dataDir = tempDataDir('prof');
  const app = await spawnServer(APP_MAIN, appEnv(dataDir), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  try {
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    const token = await accessToken(app.url, await registerAccount(app.url));
    const r = await load({
      url: `${app.url}/api/users/me`,
      headers: { authorization: `Bearer ${token}` },
      connections: CONFIG.connections,
      seconds: Number(process.argv[2] ?? 10),
    });
    log(`${r.rps} req/s, p99 ${r.p99} ms`);
  } finally {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .pop() as string;
  const nodes = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[] }).nodes;
  const self = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
    total += n.hitCount ?? 0;
  }
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stderr.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
  log(`profile: ${join(dir, file)}`);
}

void main();
