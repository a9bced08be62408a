import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';
import { AUDIT_CHAIN_LOCK, AuditService } from './audit.service';
import { SecurityLogger } from './logging/security-logger.service';

const DAY_MS = 24 * 60 * 60 * 1000;
const FIRST_RUN_DELAY_MS = 60_000;

export interface PruneResult {
  pruned: number;
  cutoff: string;
  /** The `audit.pruned` checkpoint written before the deletion; null when nothing was old enough. */
  checkpointId: string | null;
}

/**
 * Deletes the oldest audit events once they are older than AUDIT_RETENTION_DAYS, without breaking
 * verify(): only a prefix of the chain is ever removed, and in the same transaction an `audit.pruned`
 * checkpoint is appended first, recording the last pruned row's seq and hash. The first surviving
 * row's prev_hash must equal that recorded hash, and the checkpoint itself is covered by the chain.
 * The delete passes the append-only trigger only under the transaction-local `audit.pruning` flag
 * (see migrations/*-AuditEventsAppendOnly.ts for everything the trigger insists on).
 */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly securityLog: SecurityLogger,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.AUDIT_RETENTION_DAYS) return;
    // A first run shortly after start (a process restarted daily would otherwise never prune), then
    // daily. unref'd: retention never keeps a process (a CLI command, a test) alive.
    const run = (): void =>
      void this.prune(new Date()).catch((error: unknown) =>
        this.logger.error({ message: 'audit prune failed', error }),
      );
    this.timers.push(setTimeout(run, FIRST_RUN_DELAY_MS).unref(), setInterval(run, DAY_MS).unref());
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  async prune(now: Date, retentionDays = this.env.AUDIT_RETENTION_DAYS): Promise<PruneResult> {
    if (!retentionDays)
      throw new Error('AUDIT_RETENTION_DAYS is not set: nothing to prune against');
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
    const result = await this.dataSource.transaction(async (manager): Promise<PruneResult> => {
      await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
      // The longest prefix of the chain (seq order) that is entirely older than the cutoff; the
      // trigger's own floor (one day) is applied here too so the delete never trips over it.
      const [last] = await manager.query<Array<{ seq: string; hash: string; count: number }>>(
        `WITH bound AS (SELECT LEAST($1::timestamptz, now() - interval '1 day') AS cutoff),
              first_kept AS (SELECT min(seq) AS seq FROM audit_events, bound WHERE created_at >= bound.cutoff)
         SELECT e.seq, e.hash, (SELECT count(*) FROM audit_events p WHERE p.seq <= e.seq)::int AS count
         FROM audit_events e, bound, first_kept
         WHERE e.created_at < bound.cutoff AND (first_kept.seq IS NULL OR e.seq < first_kept.seq)
         ORDER BY e.seq DESC LIMIT 1`,
        [cutoff],
      );
      if (!last) return { pruned: 0, cutoff: cutoff.toISOString(), checkpointId: null };

      const checkpoint = await this.audit.append(
        {
          type: 'audit.pruned',
          metadata: {
            prunedThroughSeq: last.seq,
            prunedThroughHash: last.hash,
            prunedCount: last.count,
            cutoff: cutoff.toISOString(),
            retentionDays,
          },
        },
        manager,
      );
      await manager.query(
        `SELECT set_config('audit.pruning', 'on', true), set_config('audit.prune_cutoff', $1, true)`,
        [cutoff.toISOString()],
      );
      // TypeORM answers a DELETE with [rows, rowCount].
      const deleted = await manager.query<[unknown[], number]>(
        'DELETE FROM audit_events WHERE seq <= $1 RETURNING 1',
        [last.seq],
      );
      return { pruned: deleted[1], cutoff: cutoff.toISOString(), checkpointId: checkpoint.id };
    });
    if (result.pruned > 0)
      this.securityLog.info({ message: 'audit events pruned', event: 'audit.pruned', ...result });
    return result;
  }
}
