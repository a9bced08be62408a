// Scenario 1 alone (bench/scenarios/throughput.ts: the service's /health/live and /api/users/me
// against the same-work and bare baselines, CONFIG's rounds and seconds, the same checks that the
// baseline sends what the service sends), for trying a change to either side without the whole
// `npm run bench`: `npm run build && npm run bench:baseline && npx tsx bench/experiments/throughput.ts`
// (`JWT_ALGORITHM=HS256 npx tsx …` for the compatibility mode).
// It prints the medians; its numbers are never committed.
import { rmSync } from 'node:fs';
import { appEnv, tempDataDir } from '../config';
import { accessToken, registerAccount } from '../lib/api';
import { embeddedDb, sameWorkEnv } from '../lib/embedded-db';
import { log } from '../lib/load';
import {
  APP_MAIN,
  BASELINE_MAIN,
  SAME_WORK_MAIN,
  spawnServer,
  waitFor,
  type Server,
} from '../lib/proc';
import { throughput } from '../scenarios/throughput';

async function main(): Promise<void> {
  const dataDir = tempDataDir('throughput');
  const servers: Server[] = [];
  try {
    // JWT_ALGORITHM=HS256 in this script's environment compares the compatibility mode.
    const algorithm = process.env.JWT_ALGORITHM;
    const env = { ...appEnv(dataDir), ...(algorithm ? { JWT_ALGORITHM: algorithm } : {}) };
    const app = await spawnServer(APP_MAIN, env);
    servers.push(app);
    const bare = await spawnServer(BASELINE_MAIN, {});
    servers.push(bare);
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    await waitFor(`${bare.url}/hello`, 200, bare.spawnedAt);
    const sameWork = await spawnServer(
      SAME_WORK_MAIN,
      sameWorkEnv(embeddedDb(dataDir), env, app.url),
    );
    servers.push(sameWork);
    await waitFor(`${sameWork.url}/live`, 200, sameWork.spawnedAt);
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
