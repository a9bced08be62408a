import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ClientContext } from '../common/http/client-context';
import type { AuditEventType } from './audit-event-type';

export interface AuditEventInput {
  type: AuditEventType;
  userId?: string | null;
  client?: ClientContext | null;
  /** Non-secret details only: ids, counts, reasons. Never a password, token, key or sensitive value. */
  metadata?: Record<string, unknown>;
}

/**
 * The one call site for audit events. `manager`, when given, is the transaction of the change being
 * audited, so the event commits or rolls back with it.
 * TODO(audit issue): persist to audit_events with the hash chain; until then events are logged only.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  async record(event: AuditEventInput, manager?: EntityManager): Promise<void> {
    void manager;
    this.logger.log({ message: 'audit event', event: event.type, userId: event.userId ?? null, ...event.client, metadata: event.metadata });
    return Promise.resolve();
  }
}
