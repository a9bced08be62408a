import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import type { AuditEventType } from './audit-event-type';
import type { AuditEvent } from './audit-event.entity';

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

interface AuditRow {
  id: string;
  seq: string;
  type: string;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  prev_hash: string;
  hash: string;
  keyed: boolean;
}

/** audit_events: append-only (triggers refuse UPDATE, DELETE and TRUNCATE but for pruning). */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly tx: Transactions) {}

  /** Held until the surrounding transaction ends; appends and pruning take it. */
  async lockChain(): Promise<void> {
    await this.tx.manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
  }

  /** A new statement after the lock, so READ COMMITTED sees the head the previous holder committed. */
  async head(): Promise<ChainHead> {
    const [row] = await this.tx.manager.query<Array<{ prev_hash: string | null; now: Date }>>(
      `SELECT (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS prev_hash,
              date_trunc('milliseconds', clock_timestamp()) AS now`,
    );
    return { prevHash: row.prev_hash, now: row.now };
  }

  async insert(event: Omit<AuditEvent, 'seq'>): Promise<AuditEvent> {
    const [row] = await this.tx.manager.query<AuditRow[]>(
      `INSERT INTO audit_events (id, type, user_id, ip, user_agent, request_id, metadata, created_at, prev_hash, hash, keyed)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)
       RETURNING *`,
      [
        event.id,
        event.type,
        event.userId,
        event.ip,
        event.userAgent,
        event.requestId,
        JSON.stringify(event.metadata),
        event.createdAt,
        event.prevHash,
        event.hash,
        event.keyed,
      ],
    );
    return toAuditEvent(row);
  }

  /** Events in chain order after `afterSeq` (verification walks the chain in batches). */
  async batchAfter(afterSeq: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.tx.manager.query<AuditRow[]>(
      'SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(toAuditEvent);
  }

  /** True when an `audit.pruned` checkpoint recorded `hash` as the last pruned row before `seq`. */
  async isPruneAnchor(hash: string, seq: string): Promise<boolean> {
    const rows = await this.tx.manager.query<unknown[]>(
      `SELECT 1 FROM audit_events
        WHERE type = 'audit.pruned' AND metadata->>'prunedThroughHash' = $1
          AND (metadata->>'prunedThroughSeq')::bigint < $2
        LIMIT 1`,
      [hash, seq],
    );
    return rows.length > 0;
  }

  async page(filter: AuditEventFilter): Promise<{ items: AuditEvent[]; total: number }> {
    const where = `WHERE ($1::text IS NULL OR type = $1) AND ($2::uuid IS NULL OR user_id = $2)
                     AND ($3::timestamptz IS NULL OR created_at >= $3)
                     AND ($4::timestamptz IS NULL OR created_at <= $4)`;
    const params = [
      filter.type ?? null,
      filter.userId ?? null,
      filter.from ?? null,
      filter.to ?? null,
    ];
    const rows = await this.tx.manager.query<Array<AuditRow & { total: string }>>(
      `SELECT *, count(*) OVER () AS total FROM audit_events ${where}
        ORDER BY seq DESC OFFSET $5 LIMIT $6`,
      [...params, filter.offset, filter.limit],
    );
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(where, params);
    return { items: rows.map(toAuditEvent), total };
  }

  /**
   * The newest event of the longest prefix of the chain (seq order) that is entirely older than
   * `cutoff`, with the prefix's length; the trigger's own floor (one day) applies here too.
   */
  async lastPrunable(
    cutoff: Date,
  ): Promise<{ seq: string; hash: string; count: number } | undefined> {
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
    const [row] = await this.tx.manager.query<Array<{ deleted: string }>>(
      'SELECT audit_prune_through($1, $2) AS deleted',
      [seq, cutoff],
    );
    return Number(row.deleted);
  }

  /** True when a prune checkpoint covers `seq` (the anchored event may have been pruned since). */
  async isPruned(seq: string): Promise<boolean> {
    const rows = await this.tx.manager.query<unknown[]>(
      `SELECT 1 FROM audit_events
        WHERE type = 'audit.pruned' AND (metadata->>'prunedThroughSeq')::bigint >= $1 LIMIT 1`,
      [seq],
    );
    return rows.length > 0;
  }

  private async count(where: string, params: unknown[]): Promise<number> {
    const [row] = await this.tx.manager.query<Array<{ count: string }>>(
      `SELECT count(*) FROM audit_events ${where}`,
      params,
    );
    return Number(row.count);
  }
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    userId: row.user_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    metadata: row.metadata,
    createdAt: row.created_at,
    prevHash: row.prev_hash,
    hash: row.hash,
    keyed: row.keyed,
  };
}
