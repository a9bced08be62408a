import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';

const MAX_MARKS = 10_000;

/**
 * Audits each block once (`security.rate_limited`), not once per refused request: a flood must not
 * become a flood of serialised, hash-chained audit writes. A mark lasts as long as its block;
 * the map is bounded. Failing to audit never turns a 429 into a 500: it is logged instead.
 */
@Injectable()
export class BlockAuditor {
  private readonly logger = new Logger('RateLimit');
  private readonly until = new Map<string, number>();

  constructor(private readonly audit: AuditService) {}

  async blocked(
    key: string,
    blockSeconds: number,
    client: ClientContext,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    if (!this.first(key, blockSeconds, Date.now())) return;
    try {
      await this.audit.record({ type: 'security.rate_limited', client, metadata });
    } catch (error) {
      this.logger.error({
        message: 'could not audit a rate-limited request',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private first(key: string, blockSeconds: number, now: number): boolean {
    if ((this.until.get(key) ?? 0) > now) return false;
    if (this.until.size >= MAX_MARKS) {
      for (const [k, end] of this.until) if (end <= now) this.until.delete(k);
      if (this.until.size >= MAX_MARKS) this.until.clear();
    }
    this.until.set(key, now + blockSeconds * 1000);
    return true;
  }
}
