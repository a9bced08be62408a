import { rm } from 'node:fs/promises';
import type { EmbeddedPostgresServer } from '../../src/database/embedded/embedded-postgres.server';
import { reportSkips } from './prerequisites';

export default async function globalTeardown(): Promise<void> {
  reportSkips(); // after the results: what did not run, and why
  const holder = globalThis as { __embeddedPostgres?: EmbeddedPostgresServer };
  // A server this run did not start (TEST_DATABASE_URL given, e.g. by test:mutants) is not ours to
  // stop or delete.
  if (!holder.__embeddedPostgres) return;
  await holder.__embeddedPostgres.stop();
  if (process.env.TEST_EMBEDDED_DATA_DIR) {
    await rm(process.env.TEST_EMBEDDED_DATA_DIR, { recursive: true, force: true });
  }
}
