import 'reflect-metadata';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/database/embedded/embedded-postgres.server';
import { useLocalRedis } from './local-redis';

/**
 * One real PostgreSQL over verified TLS for the whole run: the embedded one by default, or an
 * external server from TEST_DATABASE_URL (+ TEST_DATABASE_SSL_CA). Each test file then makes its
 * own database from this admin connection (see test-database.ts). The Redis specs get the local
 * Redis when REDIS_URL is unset (local-redis.ts).
 */
export default async function globalSetup(): Promise<void> {
  await useLocalRedis();
  if (process.env.TEST_DATABASE_URL) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'snf-test-'));
  const server = new EmbeddedPostgresServer(dataDir);
  const started = Date.now();
  const info = await server.start();
  const { admin } = info;
  process.env.TEST_DATABASE_URL = `postgresql://${admin.user}:${encodeURIComponent(admin.password)}@${admin.host}:${admin.port}/${admin.database}`;
  process.env.TEST_DATABASE_SSL_CA = info.caFile;
  // Two roles, as in production: test databases are owned by the owner role (migrations), and the
  // app connects as a role that owns nothing.
  process.env.TEST_DATABASE_OWNER = info.owner.user;
  process.env.TEST_DATABASE_OWNER_PASSWORD = info.owner.password;
  process.env.TEST_DATABASE_APP_USER = info.app.user;
  process.env.TEST_DATABASE_APP_PASSWORD = info.app.password;
  process.env.TEST_EMBEDDED_DATA_DIR = dataDir;
  (globalThis as { __embeddedPostgres?: EmbeddedPostgresServer }).__embeddedPostgres = server;
  process.stdout.write(
    `\nembedded PostgreSQL for tests on port ${admin.port} (${Date.now() - started} ms)\n`,
  );
}
