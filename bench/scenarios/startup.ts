import { rmSync } from 'node:fs';
import { appEnv, CONFIG, tempDataDir } from '../config';
import { log, median, round } from '../lib/load';
import { APP_MAIN, spawnServer, waitFor } from '../lib/proc';

async function timeToReady(dataDir: string): Promise<number> {
  const app = await spawnServer(APP_MAIN, appEnv(dataDir));
  try {
    return round(await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt), 0);
  } catch (error) {
    process.stderr.write(app.output());
    throw error;
  } finally {
    await app.stop();
  }
}

/**
 * Scenario 5: spawn → /health/ready 200. Cold = fresh DATA_DIR (initdb, TLS material, secrets,
 * migrations); warm = the same DATA_DIR again. Returns the warm DATA_DIR for the other scenarios.
 */
export async function startup(): Promise<{ result: Record<string, unknown>; dataDir: string }> {
  const cold: number[] = [];
  let dataDir = '';
  for (let i = 0; i < CONFIG.startRounds; i++) {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = tempDataDir('start');
    cold.push(await timeToReady(dataDir));
    log(`scenario 5: cold start ${cold[i]} ms`);
  }
  const warm: number[] = [];
  for (let i = 0; i < CONFIG.startRounds; i++) {
    warm.push(await timeToReady(dataDir));
    log(`scenario 5: warm start ${warm[i]} ms`);
  }
  return {
    dataDir,
    result: {
      title: 'Start to GET /health/ready 200 with the embedded TLS PostgreSQL',
      rounds: { coldMs: cold, warmMs: warm },
      median: { coldMs: median(cold), warmMs: median(warm) },
      targets: {},
      pass: {},
    },
  };
}
