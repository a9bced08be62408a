import { DataSource } from 'typeorm';
import type { ConnectionInfo } from './connection-info';
import { grantRuntimePrivileges } from './runtime-privileges';
import { typeormOptions } from './typeorm-options';

/**
 * Applies pending migrations as the schema owner, each in its own transaction, then (when the
 * application runs as another role) grants that role its privileges. Returns the migrations applied.
 */
export async function migrate(owner: ConnectionInfo, appRole?: string): Promise<string[]> {
  const dataSource = new DataSource(typeormOptions(owner, 0));
  await dataSource.initialize();
  // Several processes may start on one database at once (instances of a development deployment):
  // a session lock, held on a connection of its own, lets one migrate and grant at a time, since
  // two concurrent GRANT/REVOKE runs fail with "tuple concurrently updated".
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query(`SELECT pg_advisory_lock(hashtext('migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (appRole && appRole !== owner.user) await grantRuntimePrivileges(dataSource, appRole);
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(hashtext('migrations'))`).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
