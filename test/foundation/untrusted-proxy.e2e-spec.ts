import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  productionEnv,
  spawnApp,
  waitForStatus,
  type SpawnedApp,
} from '../support/spawn-app';
import { createMigratedDatabase } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

/**
 * In production without TRUST_PROXY, requests forwarded by a local proxy all share the proxy's
 * address. The service says so once, clearly, on the first such request (review finding 13).
 */
describe('production start behind a proxy without TRUST_PROXY', () => {
  let db: TestDatabase;
  let app: SpawnedApp;
  let base: string;
  beforeAll(async () => {
    db = await createMigratedDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawnApp(productionEnv(db, port, mkdtempSync(join(tmpdir(), 'snf-proxy-logs-'))));
    await waitForStatus(`${base}/health/ready`, 200, 20_000);
  }, 40_000);
  afterAll(async () => {
    app.child.kill('SIGTERM');
    await app.exited;
    await db.drop();
  });

  const warnings = (): string[] =>
    app
      .output()
      .split('\n')
      .filter((line) => line.includes('TRUST_PROXY is unset'));

  it('stays silent for direct requests, then warns once when X-Forwarded-For arrives from a loopback peer', async () => {
    await fetch(`${base}/health/live`);
    expect(warnings()).toEqual([]);
    for (let i = 0; i < 3; i++)
      await fetch(`${base}/health/live`, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0])).toMatchObject({ level: 'warn', peer: '127.0.0.1' });
  });
});
