import { appEnv, CONFIG, TARGETS } from '../config';
import { accessToken, registerAccount } from '../lib/api';
import { load, log, round } from '../lib/load';
import { APP_MAIN, rssMb, spawnServer, waitFor } from '../lib/proc';

/**
 * Scenario 4: a fresh app process (reused DATA_DIR); VmRSS after every 10,000 authenticated
 * GET /api/users/me, up to 100,000. The target reads the 50k and 100k samples.
 */
export async function memory(dataDir: string) {
  const app = await spawnServer(APP_MAIN, appEnv(dataDir));
  try {
    await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
    const pid = app.child.pid as number;
    const token = await accessToken(app.url, await registerAccount(app.url));
    const samples: Array<{ requests: number; rssMb: number }> = [
      { requests: 0, rssMb: rssMb(pid) },
    ];
    log(`scenario 4: RSS at start ${samples[0].rssMb} MB`);
    for (let sent = 0; sent < CONFIG.memoryTotal; sent += CONFIG.memoryStep) {
      const r = await load({
        url: `${app.url}/api/users/me`,
        headers: { authorization: `Bearer ${token}` },
        connections: CONFIG.connections,
        amount: CONFIG.memoryStep,
      });
      if (r.non2xx || r.errors) throw new Error(`memory: ${r.non2xx} non-2xx, ${r.errors} errors`);
      samples.push({ requests: sent + CONFIG.memoryStep, rssMb: rssMb(pid) });
    }
    const at = (n: number) => samples.find((s) => s.requests === n)?.rssMb ?? NaN;
    const half = CONFIG.memoryTotal / 2;
    const m = {
      rssStartMb: samples[0].rssMb,
      rssAt50kMb: at(half),
      rssAt100kMb: at(CONFIG.memoryTotal),
      deltaMb: round(at(CONFIG.memoryTotal) - at(half), 1),
    };
    log(
      `  RSS ${m.rssAt50kMb} MB at ${half}, ${m.rssAt100kMb} MB at ${CONFIG.memoryTotal} (delta ${m.deltaMb})`,
    );
    return {
      title: `App RSS (VmRSS) over ${CONFIG.memoryTotal} authenticated requests`,
      rounds: samples,
      median: m,
      targets: { rssMaxMb: TARGETS.rssMaxMb, flatDeltaMaxMb: TARGETS.rssFlatMb },
      pass: {
        rss: Math.max(m.rssAt50kMb, m.rssAt100kMb) <= TARGETS.rssMaxMb,
        flat: Math.abs(m.deltaMb) <= TARGETS.rssFlatMb,
      },
    };
  } finally {
    await app.stop();
  }
}
