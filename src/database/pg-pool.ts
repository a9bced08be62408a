import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * The pg Pool behind TypeORM, for the one thing TypeORM cannot do: run a named prepared statement
 * (parsed and planned once per connection) on the hottest query. TypeORM types the pool as `any`;
 * this checks it rather than casting it.
 */
export function pgPoolOf(dataSource: DataSource): Pool {
  const driver = dataSource.driver;
  if (driver instanceof PostgresDriver && driver.master instanceof Pool) return driver.master;
  throw new Error('the TypeORM data source is not backed by a pg Pool');
}
