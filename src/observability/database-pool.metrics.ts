import type { DataSource } from 'typeorm';
import { pgPoolOf } from '../database/pg-pool';
import type { MetricsService } from './metrics.service';

/**
 * The pg pool behind TypeORM, read at scrape time from the pool's own counters (no query runs).
 * Saturation is `in_use / max`; `waiting` above 0 means requests queue for a connection.
 */
export function registerPoolGauges(metrics: MetricsService, dataSource: DataSource): void {
  const pool = () => pgPoolOf(dataSource);
  metrics.registerGauge({
    name: 'db_pool_connections_in_use',
    help: 'Database connections checked out of the pool.',
    collect: () => pool().totalCount - pool().idleCount,
  });
  metrics.registerGauge({
    name: 'db_pool_connections_idle',
    help: 'Open database connections waiting in the pool.',
    collect: () => pool().idleCount,
  });
  metrics.registerGauge({
    name: 'db_pool_waiting_requests',
    help: 'Queries queued for a database connection because all are in use.',
    collect: () => pool().waitingCount,
  });
  metrics.registerGauge({
    name: 'db_pool_connections_max',
    help: 'Size limit of the database pool.',
    collect: () => pool().options.max ?? Number.NaN,
  });
}
