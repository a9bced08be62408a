import { embeddedDb, sameWorkEnv } from './embedded-db';
import { APP_MAIN, BASELINE_MAIN, SAME_WORK_MAIN, spawnServer, waitFor, type Server } from './proc';

/** The three servers scenario 1 compares, each answering. */
export interface ComparedServers {
  app: Server;
  bare: Server;
  sameWork: Server;
}

/**
 * Starts the service (on its embedded database in `dataDir`), the bare baseline and the same-work
 * baseline, pushing each onto `servers` as it starts so the caller stops whatever did start.
 */
export async function startComparedServers(
  dataDir: string,
  env: Record<string, string>,
  servers: Server[],
  appNodeArgs: string[] = [],
): Promise<ComparedServers> {
  const app = await spawnServer(APP_MAIN, env, appNodeArgs);
  servers.push(app);
  const bare = await spawnServer(BASELINE_MAIN, {});
  servers.push(bare);
  await waitFor(`${app.url}/health/ready`, 200, app.spawnedAt);
  await waitFor(`${bare.url}/hello`, 200, bare.spawnedAt);
  // The app owns the embedded database: the same-work baseline can only connect once it runs.
  const sameWork = await spawnServer(
    SAME_WORK_MAIN,
    sameWorkEnv(embeddedDb(dataDir), env, app.url),
  );
  servers.push(sameWork);
  await waitFor(`${sameWork.url}/live`, 200, sameWork.spawnedAt);
  return { app, bare, sameWork };
}
