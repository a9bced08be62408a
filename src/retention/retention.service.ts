import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { KNOWN_NETWORK_DAYS } from '../rate-limit/known-networks';
import { RETENTION_RULES, RetentionRepository, type RetainedTable } from './retention.repository';

/** How long an ended row is kept before it is deleted: time to investigate an incident. */
export const RETENTION_GRACE_DAYS = 30;
/** The new-device and known-network windows: a device or network unseen this long no longer counts. */
const SEEN_WINDOW_DAYS = KNOWN_NETWORK_DAYS;

const DAY_MS = 24 * 60 * 60 * 1000;
const FIRST_RUN_DELAY_MS = 90_000;

export type PruneCounts = Record<RetainedTable, number>;

/**
 * Deletes what no longer serves a purpose (ended sessions with their refresh tokens, spent or
 * expired links and sign-in steps, expired reservations, devices and networks long unseen),
 * RETENTION_GRACE_DAYS after it ended. Shortly after start, then daily; several instances may
 * run it at once (each DELETE is idempotent). The audit trail has its own retention
 * (AUDIT_RETENTION_DAYS), and the mail outbox prunes its own rows.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly rows: RetentionRepository) {}

  onApplicationBootstrap(): void {
    // unref'd: retention never keeps a process (a CLI command, a test) alive.
    const run = (): void => void this.pruneAndLog();
    this.timers.push(setTimeout(run, FIRST_RUN_DELAY_MS).unref(), setInterval(run, DAY_MS).unref());
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** One pass over every table; throws what the database throws (the next day's run tries again). */
  async prune(): Promise<PruneCounts> {
    const grace = `${RETENTION_GRACE_DAYS} days`;
    const window = `${SEEN_WINDOW_DAYS} days`;
    const counts = {} as PruneCounts;
    for (const table of Object.keys(RETENTION_RULES) as RetainedTable[])
      counts[table] = await this.rows.prune(table, grace, window);
    return counts;
  }

  /** The scheduled pass: a database outage is logged and waits for the next day. */
  async pruneAndLog(): Promise<PruneCounts | undefined> {
    try {
      const deleted = await this.prune();
      if (Object.values(deleted).some((count) => count > 0))
        this.logger.log({ message: 'ended rows deleted', event: 'retention.pruned', deleted });
      return deleted;
    } catch (error) {
      this.logger.warn({
        message: 'retention pass failed; the next one runs in a day',
        event: 'retention.failed',
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
