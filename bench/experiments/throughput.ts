// Scenario 1 alone (bench/scenarios/throughput.ts: the service's /health/live and /api/users/me
// against the same-work and bare baselines, CONFIG's rounds and seconds, the same checks that the
// baseline sends what the service sends), for trying a change to either side without the whole
// `npm run bench`: `npm run build && npm run bench:baseline && npx tsx bench/experiments/throughput.ts`
// (`JWT_ALGORITHM=HS256 npx tsx …` for the compatibility mode).
// It prints the medians; its numbers are never committed.
import { rmSync } from 'node:fs';
import { appEnv, tempDataDir } from '../config';
import { accessToken, registerAccount } from '../lib/api';
import { startComparedServers } from '../lib/compared-servers';
import { log } from '../lib/load';
import type { Server } from '../lib/proc';
import { throughput } from '../scenarios/throughput';

async function main(): Promise<void> {
  const dataDir = tempDataDir('throughput');
  const servers: Server[] = [];
  try {
    // JWT_ALGORITHM=HS256 in this script's environment compares the compatibility mode.
    const algorithm = process.env.JWT_ALGORITHM;
    const env = { ...appEnv(dataDir), ...(algorithm ? { JWT_ALGORITHM: algorithm } : {}) };
    const { app, bare, sameWork } = await startComparedServers(dataDir, env, servers);
    const token = await accessToken(app.url, await registerAccount(app.url));
    const result = await throughput(
      { app: app.url, bare: bare.url, sameWork: sameWork.url },
      token,
    );
    log(`median ${JSON.stringify(result.median)}`);
    log(`ranges ${JSON.stringify(result.ranges)}; pass ${JSON.stringify(result.pass)}`);
  } finally {
    // Last started, first stopped: the app owns the database the same-work baseline uses.
    for (const s of servers.reverse()) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
