import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditConfig } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { AuditEventRepository } from './audit-event.repository';
import { AuditService } from './audit.service';
import { SecurityLogger } from '../logging/security-logger.service';

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
    private readonly tx: Transactions,
    private readonly events: AuditEventRepository,
    private readonly audit: AuditService,
    private readonly securityLog: SecurityLogger,
    private readonly config: AuditConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.retentionDays) return;
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

  async prune(now: Date, retentionDays = this.config.retentionDays): Promise<PruneResult> {
    if (!retentionDays)
      throw new Error('AUDIT_RETENTION_DAYS is not set: nothing to prune against');
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
    const result = await this.tx.run(async (): Promise<PruneResult> => {
      await this.events.lockChain();
      const last = await this.events.lastPrunable(cutoff);
      if (!last) return { pruned: 0, cutoff: cutoff.toISOString(), checkpointId: null };
      const checkpoint = await this.audit.append({
        type: 'audit.pruned',
        metadata: {
          prunedThroughSeq: last.seq,
          prunedThroughHash: last.hash,
          prunedCount: last.count,
          cutoff: cutoff.toISOString(),
          retentionDays,
        },
      });
      const pruned = await this.events.deleteThrough(last.seq, cutoff);
      return { pruned, cutoff: cutoff.toISOString(), checkpointId: checkpoint.id };
    });
    if (result.pruned > 0)
      this.securityLog.info({ message: 'audit events pruned', event: 'audit.pruned', ...result });
    return result;
  }
}
