import { BadRequestException, Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { AuditConfig } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { MetricsService } from '../observability/metrics.service';
import { AuditAnchor, type ChainAnchor } from './audit-anchor';
import type { AuditEventType } from './audit-event-type';
import type { AuditEvent } from './audit-event.entity';
import { AuditEventRepository } from './audit-event.repository';
import { computeAuditHash, GENESIS_HASH } from './audit-hash';
import { auditKeyRing, DEFAULT_AUDIT_KEY_ID } from './audit-keys';
import { redact } from '../logging/redact.format';
import { randomId } from '../crypto/random';
import type { SecretRing } from '../crypto/secret-ring';

export interface AuditEventInput {
  type: AuditEventType;
  userId?: string | null;
  client?: Pick<ClientContext, 'ip' | 'userAgent' | 'requestId'> | null;
  /** Non-secret details only: ids, counts, reasons. Never a password, token, key or sensitive value. */
  metadata?: Record<string, unknown>;
}

export interface AuditVerifyResult {
  valid: boolean;
  count: number;
  firstInvalidId: string | null;
}

export interface AuditEventQuery {
  type?: AuditEventType;
  userId?: string;
  from?: Date;
  to?: Date;
  page: number;
  limit: number;
}

const VERIFY_BATCH = 500;

/**
 * The one call site for audit events, and the keyed hash chain over them. Called inside a service's
 * `Transactions.run`, the event commits or rolls back with the change it records; the chain lock is
 * then held until that transaction ends, so keep audited transactions short. Once it commits, the
 * new head is anchored outside the database (AuditAnchor).
 */
@Injectable()
export class AuditService {
  private readonly keys: SecretRing;

  constructor(
    private readonly events: AuditEventRepository,
    private readonly tx: Transactions,
    private readonly anchor: AuditAnchor,
    private readonly metrics: MetricsService,
    config: AuditConfig,
  ) {
    this.keys = auditKeyRing(config);
  }

  async record(event: AuditEventInput): Promise<void> {
    await this.append(event);
  }

  /**
   * record(), returning the stored row (retention needs the checkpoint it writes). Always inside a
   * transaction: the advisory lock is transaction-scoped, and without one it would be released
   * between reading the head and inserting, so two events could claim the same predecessor.
   */
  append(event: AuditEventInput): Promise<AuditEvent> {
    return this.tx.run(async () => {
      await this.events.lockChain();
      const head = await this.events.head();
      const prevHash = head.prevHash ?? GENESIS_HASH;
      const fields = {
        id: randomId(),
        type: event.type,
        userId: event.userId ?? null,
        ip: event.client?.ip ?? null,
        userAgent: event.client?.userAgent ?? null,
        requestId: event.client?.requestId ?? null,
        metadata: sanitizeMetadata(event.metadata),
        createdAt: head.now,
      };
      const hash = computeAuditHash(prevHash, fields, this.keys.activeKey);
      const keyId = this.keys.activeId;
      const stored = await this.events.insert({ ...fields, prevHash, hash, keyed: true, keyId });
      this.tx.afterCommit(() => {
        this.anchor.record({ seq: stored.seq, hash: stored.hash });
        this.metrics.countAuditEvent(stored.type); // auth outcomes only; a no-op without METRICS_PORT
      });
      return stored;
    });
  }

  /**
   * Recomputes the chain in seq order, in batches, inside one read-only REPEATABLE READ snapshot so
   * concurrent appends or a prune cannot make a consistent chain look broken. The first row must be
   * the genesis or be anchored by an `audit.pruned` checkpoint that recorded its predecessor's hash;
   * no unkeyed event may follow a keyed one; and the head anchored outside the database must still
   * be there (read before the snapshot, so the anchored event is always visible in it).
   */
  async verify(): Promise<AuditVerifyResult> {
    const anchor = await this.anchor.latest();
    return this.tx.run(
      async () => {
        let count = 0;
        let firstInvalidId: string | null = null;
        let expectedPrev: string | null | undefined;
        let keyedSeen = false;
        let anchorFound = false;
        let lastSeq = '0';
        for (;;) {
          const batch = await this.events.batchAfter(lastSeq, VERIFY_BATCH);
          if (batch.length === 0) break;
          for (const event of batch) {
            expectedPrev ??= await this.firstLinkOf(event);
            keyedSeen ||= event.keyed;
            // A keyed event whose key is no longer configured cannot be verified: it counts as broken.
            const key = event.keyed ? this.keys.key(event.keyId ?? DEFAULT_AUDIT_KEY_ID) : null;
            const intact =
              event.prevHash === expectedPrev &&
              (event.keyed || !keyedSeen) &&
              key !== undefined &&
              computeAuditHash(event.prevHash, event, key) === event.hash;
            if (!intact) firstInvalidId ??= event.id;
            if (anchor && event.seq === anchor.seq) anchorFound = event.hash === anchor.hash;
            // Chain on the stored hash: one altered row is reported once, not as every row after it.
            expectedPrev = event.hash;
            count++;
            lastSeq = event.seq;
          }
        }
        const headIntact = !anchor || anchorFound || (await this.prunedAway(anchor, lastSeq));
        return { valid: firstInvalidId === null && headIntact, count, firstInvalidId };
      },
      { isolation: 'REPEATABLE READ', readOnly: true },
    );
  }

  list(query: AuditEventQuery): Promise<{ items: AuditEvent[]; total: number }> {
    if (query.from && query.to && query.from > query.to)
      throw new BadRequestException('from must not be after to');
    const { page, limit, ...filter } = query;
    return this.events.page({ ...filter, offset: (page - 1) * limit, limit });
  }

  /** What the first surviving row must link to: the genesis, or a prune checkpoint's recorded hash. */
  private async firstLinkOf(first: AuditEvent): Promise<string | null> {
    if (first.prevHash === GENESIS_HASH) return GENESIS_HASH;
    return (await this.events.isPruneAnchor(first.prevHash, first.seq)) ? first.prevHash : null;
  }

  /** An anchored event may be gone legitimately only behind a prune checkpoint, with newer events after it. */
  private async prunedAway(anchor: ChainAnchor, lastSeq: string): Promise<boolean> {
    return BigInt(lastSeq) > BigInt(anchor.seq) && (await this.events.isPruned(anchor.seq));
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
