import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, type QueryRunner, Repository } from 'typeorm';
import type { ClientContext } from '../common/http/client-context';
import type { AuditEventType } from './audit-event-type';
import { AuditEvent } from './audit-event.entity';
import { computeAuditHash, GENESIS_HASH, type HashedAuditFields } from './audit-hash';
import { redact } from './logging/redact.format';

export interface AuditEventInput {
  type: AuditEventType;
  userId?: string | null;
  client?: ClientContext | null;
  /** Non-secret details only: ids, counts, reasons. Never a password, token, key or sensitive value. */
  metadata?: Record<string, unknown>;
}

export interface AuditVerifyResult {
  valid: boolean;
  count: number;
  firstInvalidId: string | null;
}

export interface AuditEventFilter {
  type?: AuditEventType;
  userId?: string;
  from?: Date;
  to?: Date;
  page: number;
  limit: number;
}

/**
 * Key of the transaction-level advisory lock that serialises appends to the chain (ASCII "audit").
 * Every writer takes it before reading the head, so concurrent events chain one after another.
 */
export const AUDIT_CHAIN_LOCK = '418581342580';
const VERIFY_BATCH = 500;

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
}

/**
 * The one call site for audit events, and the hash chain over them. `manager`, when given, is the
 * transaction of the change being audited, so the event commits or rolls back with it. The chain
 * lock is then held until that transaction ends: keep audited transactions short.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
  ) {}

  async record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    await this.append(event, manager);
  }

  /** record(), returning the stored row (retention needs the checkpoint it writes). */
  async append(event: AuditEventInput, manager?: EntityManager): Promise<AuditEvent> {
    if (!manager?.queryRunner?.isTransactionActive) {
      // The advisory lock is transaction-scoped: without a transaction it would be released
      // between reading the head and inserting, and two events could claim the same predecessor.
      return (manager ?? this.dataSource.manager).transaction((tx) => this.append(event, tx));
    }
    const metadata = sanitizeMetadata(event.metadata);
    await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
    // A new statement after the lock, so READ COMMITTED sees the head the previous holder committed.
    const [head] = await manager.query<Array<{ prev_hash: string | null; now: Date }>>(
      `SELECT (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS prev_hash,
              date_trunc('milliseconds', clock_timestamp()) AS now`,
    );
    const prevHash = head.prev_hash ?? GENESIS_HASH;
    const fields: HashedAuditFields = {
      id: randomUUID(),
      type: event.type,
      userId: event.userId ?? null,
      ip: event.client?.ip ?? null,
      userAgent: event.client?.userAgent ?? null,
      requestId: event.client?.requestId ?? null,
      metadata,
      createdAt: head.now,
    };
    const hash = computeAuditHash(prevHash, fields);
    const [row] = await manager.query<AuditRow[]>(
      `INSERT INTO audit_events (id, type, user_id, ip, user_agent, request_id, metadata, created_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
       RETURNING *`,
      [
        fields.id,
        fields.type,
        fields.userId,
        fields.ip,
        fields.userAgent,
        fields.requestId,
        JSON.stringify(metadata),
        fields.createdAt,
        prevHash,
        hash,
      ],
    );
    return toEntity(row);
  }

  /**
   * Recomputes the chain in seq order, in batches, inside one read-only REPEATABLE READ snapshot so
   * concurrent appends or a prune cannot make a consistent chain look broken. The first row must be
   * the genesis or be anchored by an `audit.pruned` checkpoint that recorded its predecessor's hash.
   */
  async verify(): Promise<AuditVerifyResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('REPEATABLE READ');
      await runner.query('SET TRANSACTION READ ONLY');
      let count = 0;
      let firstInvalidId: string | null = null;
      let expectedPrev: string | null | undefined;
      let lastSeq = '0';
      for (;;) {
        const rows = (await runner.query(
          'SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2',
          [lastSeq, VERIFY_BATCH],
        )) as AuditRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (expectedPrev === undefined) expectedPrev = await anchorOf(runner, row);
          const intact =
            row.prev_hash === expectedPrev &&
            computeAuditHash(row.prev_hash, fieldsOf(row)) === row.hash;
          if (!intact && firstInvalidId === null) firstInvalidId = row.id;
          // Chain on the stored hash: one altered row is reported once, not as every row after it.
          expectedPrev = row.hash;
          count++;
          lastSeq = row.seq;
        }
      }
      await runner.commitTransaction();
      return { valid: firstInvalidId === null, count, firstInvalidId };
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  }

  async list(filter: AuditEventFilter): Promise<{ items: AuditEvent[]; total: number }> {
    if (filter.from && filter.to && filter.from > filter.to)
      throw new BadRequestException('from must not be after to');
    const query = this.events.createQueryBuilder('e');
    if (filter.type) query.andWhere('e.type = :type', { type: filter.type });
    if (filter.userId) query.andWhere('e.user_id = :userId', { userId: filter.userId });
    if (filter.from) query.andWhere('e.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.created_at <= :to', { to: filter.to });
    const [items, total] = await query
      .orderBy('e.seq', 'DESC')
      .skip((filter.page - 1) * filter.limit)
      .take(filter.limit)
      .getManyAndCount();
    return { items, total };
  }
}

/** Metadata goes through the log redaction, then a JSON round trip: what is hashed is what jsonb stores. */
export function sanitizeMetadata(
  metadata: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const redacted = redact(metadata ?? {});
  const plain = JSON.parse(JSON.stringify(redacted ?? {})) as unknown;
  return plain !== null && typeof plain === 'object' && !Array.isArray(plain)
    ? (plain as Record<string, unknown>)
    : {};
}

async function anchorOf(runner: QueryRunner, first: AuditRow): Promise<string | null> {
  if (first.prev_hash === GENESIS_HASH) return GENESIS_HASH;
  const checkpoints = (await runner.query(
    `SELECT 1 FROM audit_events
     WHERE type = 'audit.pruned' AND metadata->>'prunedThroughHash' = $1 AND (metadata->>'prunedThroughSeq')::bigint < $2
     LIMIT 1`,
    [first.prev_hash, first.seq],
  )) as unknown[];
  return checkpoints.length > 0 ? first.prev_hash : null;
}

function fieldsOf(row: AuditRow): HashedAuditFields {
  return {
    id: row.id,
    type: row.type,
    userId: row.user_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

function toEntity(row: AuditRow): AuditEvent {
  return Object.assign(new AuditEvent(), {
    ...fieldsOf(row),
    seq: row.seq,
    prevHash: row.prev_hash,
    hash: row.hash,
  });
}
