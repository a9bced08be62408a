import { Injectable } from '@nestjs/common';
import { MoreThan, type Repository, type SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Transactions } from '../database/transactions';
import type { AuditEventType } from './audit-event-type';
import { AuditEventEntity, type AuditEvent } from './audit-event.entity';

/**
 * Key of the transaction-level advisory lock that serialises appends to the chain (ASCII "audit").
 * Every writer takes it before reading the head, so concurrent events chain one after another.
 */
const AUDIT_CHAIN_LOCK = '418581342580';

export interface AuditEventFilter {
  type?: AuditEventType;
  userId?: string;
  from?: Date;
  to?: Date;
  offset: number;
  limit: number;
}

/** The newest event's hash (null on an empty chain) and the database clock, read under the lock. */
export interface ChainHead {
  prevHash: string | null;
  now: Date;
}

/** audit_events: append-only (triggers refuse UPDATE, DELETE and TRUNCATE but for pruning). */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly tx: Transactions) {}

  /** Held until the surrounding transaction ends; appends and pruning take it. */
  async lockChain(): Promise<void> {
    // SQL: an advisory lock is a function call, not a table's read or write.
    await this.tx.manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
  }

  /** A new statement after the lock, so READ COMMITTED sees the head the previous holder committed. */
  async head(): Promise<ChainHead> {
    // SQL: the head and the clock in one round trip under the lock (clock_timestamp, not now()).
    const [head] = await this.tx.manager.query<ChainHead[]>(
      `SELECT (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS "prevHash",
              date_trunc('milliseconds', clock_timestamp()) AS now`,
    );
    return head;
  }

  async insert(event: Omit<AuditEvent, 'seq'>): Promise<AuditEvent> {
    // A copy, as TypeORM writes the generated values back into what it inserts. The cast: its
    // partial-entity type cannot see into `unknown` values, and the jsonb column takes any JSON.
    const row = { ...event } as QueryDeepPartialEntity<AuditEventEntity>;
    const { generatedMaps } = await this.events().insert(row);
    // RETURNING brings back what the database made of the row: its seq, and jsonb as stored.
    return { ...event, ...(generatedMaps[0] as Pick<AuditEvent, 'seq'>) };
  }

  /** Events in chain order after `afterSeq` (verification walks the chain in batches). */
  async batchAfter(afterSeq: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.events().find({
      where: { seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      take: limit,
    });
    return rows.map(toAuditEvent);
  }

  /** True when an `audit.pruned` checkpoint recorded `hash` as the last pruned row before `seq`. */
  isPruneAnchor(hash: string, seq: string): Promise<boolean> {
    return this.checkpoints()
      .andWhere(`e.metadata->>'prunedThroughHash' = :hash`, { hash })
      .andWhere(`(e.metadata->>'prunedThroughSeq')::bigint < :seq`, { seq })
      .getExists();
  }

  async page(filter: AuditEventFilter): Promise<{ items: AuditEvent[]; total: number }> {
    const matching = this.events().createQueryBuilder('e');
    if (filter.type !== undefined) matching.andWhere({ type: filter.type });
    if (filter.userId !== undefined) matching.andWhere({ userId: filter.userId });
    if (filter.from !== undefined) matching.andWhere('e.createdAt >= :from', { from: filter.from });
    if (filter.to !== undefined) matching.andWhere('e.createdAt <= :to', { to: filter.to });
    // The total rides along with the page (a window count); only an empty page needs its own count.
    const { entities, raw } = await matching
      .clone()
      .addSelect('count(*) OVER ()', 'total')
      .orderBy('e.seq', 'DESC')
      .offset(filter.offset)
      .limit(filter.limit)
      .getRawAndEntities<{ total: string }>();
    const total = raw.length > 0 ? Number(raw[0].total) : await matching.getCount();
    return { items: entities.map(toAuditEvent), total };
  }

  /**
   * The newest event of the longest prefix of the chain (seq order) that is entirely older than
   * `cutoff`, with the prefix's length; the trigger's own floor (one day) applies here too.
   */
  async lastPrunable(
    cutoff: Date,
  ): Promise<{ seq: string; hash: string; count: number } | undefined> {
    // SQL: CTEs over the whole chain that apply the trigger's own one-day floor.
    const [row] = await this.tx.manager.query<Array<{ seq: string; hash: string; count: number }>>(
      `WITH bound AS (SELECT LEAST($1::timestamptz, now() - interval '1 day') AS cutoff),
            first_kept AS (SELECT min(seq) AS seq FROM audit_events, bound WHERE created_at >= bound.cutoff)
       SELECT e.seq, e.hash, (SELECT count(*) FROM audit_events p WHERE p.seq <= e.seq)::int AS count
         FROM audit_events e, bound, first_kept
        WHERE e.created_at < bound.cutoff AND (first_kept.seq IS NULL OR e.seq < first_kept.seq)
        ORDER BY e.seq DESC LIMIT 1`,
      [cutoff],
    );
    return row;
  }

  /**
   * Deletes the chain's prefix through `seq`, through the schema owner's `audit_prune_through`: the
   * application's role may not DELETE, and the append-only trigger still insists on a checkpoint
   * covering the rows and on their age (see the migrations).
   */
  async deleteThrough(seq: string, cutoff: Date): Promise<number> {
    // SQL: a call of the SECURITY DEFINER function, the only way rows leave the table.
    const [row] = await this.tx.manager.query<Array<{ deleted: string }>>(
      'SELECT audit_prune_through($1, $2) AS deleted',
      [seq, cutoff],
    );
    return Number(row.deleted);
  }

  /** True when a prune checkpoint covers `seq` (the anchored event may have been pruned since). */
  isPruned(seq: string): Promise<boolean> {
    return this.checkpoints()
      .andWhere(`(e.metadata->>'prunedThroughSeq')::bigint >= :seq`, { seq })
      .getExists();
  }

  /** The `audit.pruned` checkpoints, to be narrowed by their metadata. */
  private checkpoints(): SelectQueryBuilder<AuditEventEntity> {
    return this.events().createQueryBuilder('e').where({ type: 'audit.pruned' });
  }

  private events(): Repository<AuditEventEntity> {
    return this.tx.manager.getRepository(AuditEventEntity);
  }
}

function toAuditEvent(row: AuditEventEntity): AuditEvent {
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    userId: row.userId,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    metadata: row.metadata,
    createdAt: row.createdAt,
    prevHash: row.prevHash,
    hash: row.hash,
    keyed: row.keyed,
    keyId: row.keyId,
  };
}
