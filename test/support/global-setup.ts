import 'reflect-metadata';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/database/embedded/embedded-postgres.server';
import { useLocalRedis } from './local-redis';
import { openSkipLog } from './prerequisites';

/** A started embedded test server and the TEST_DATABASE_* variables that point the specs at it. */
export interface TestPostgres {
  server: EmbeddedPostgresServer;
  dataDir: string;
  env: Record<string, string>;
}

/**
 * Starts the embedded PostgreSQL the e2e specs share, in a new temporary data directory. Also used
 * by `npm run test:mutants`, which starts one for all its jest runs and hands them `env`.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dataDir = await mkdtemp(join(tmpdir(), 'snf-test-'));
  const server = new EmbeddedPostgresServer(dataDir);
  const info = await server.start();
  const { admin } = info;
  return {
    server,
    dataDir,
    env: {
      TEST_DATABASE_URL: `postgresql://${admin.user}:${encodeURIComponent(admin.password)}@${admin.host}:${admin.port}/${admin.database}`,
      TEST_DATABASE_SSL_CA: info.caFile,
      // Two roles, as in production: test databases are owned by the owner role (migrations), and
      // the app connects as a role that owns nothing.
      TEST_DATABASE_OWNER: info.owner.user,
      TEST_DATABASE_OWNER_PASSWORD: info.owner.password,
      TEST_DATABASE_APP_USER: info.app.user,
      TEST_DATABASE_APP_PASSWORD: info.app.password,
      TEST_EMBEDDED_DATA_DIR: dataDir,
    },
  };
}

/**
 * One real PostgreSQL over verified TLS for the whole run: the embedded one by default, or an
 * external server from TEST_DATABASE_URL (+ TEST_DATABASE_SSL_CA). Each test file then makes its
 * own database from this admin connection (see test-database.ts). The Redis specs get the local
 * Redis when REDIS_URL is unset (local-redis.ts).
 */
export default async function globalSetup(): Promise<void> {
  openSkipLog();
  await useLocalRedis();
  if (process.env.TEST_DATABASE_URL) return;
  const started = Date.now();
  const { server, env } = await startTestPostgres();
  Object.assign(process.env, env);
  (globalThis as { __embeddedPostgres?: EmbeddedPostgresServer }).__embeddedPostgres = server;
  process.stdout.write(
    `\nembedded PostgreSQL for tests on port ${new URL(env.TEST_DATABASE_URL).port} (${Date.now() - started} ms)\n`,
  );
}
