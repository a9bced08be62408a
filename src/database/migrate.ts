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
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (appRole && appRole !== owner.user) await grantRuntimePrivileges(dataSource, appRole);
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
