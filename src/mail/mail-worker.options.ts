import { SMTP_TIMEOUTS } from './transport/smtp-options';

/** The outbox gives up after 8 tries (docs/API.md "Account lifecycle"). */
export const MAX_ATTEMPTS = 8;

/**
 * How the worker paces itself. The defaults are production's; the e2e specs override this
 * provider (Test.createTestingModule().overrideProvider) to run retries in milliseconds. It is
 * deliberately not an environment variable: there is nothing an operator should tune here.
 */
export class MailWorkerOptions {
  /** Poll for due rows this often; an enqueue in this process wakes the worker at once anyway. */
  pollIntervalMs = 5_000;
  /** Rows claimed per statement. */
  batchSize = 10;
  /** First retry delay; each further try doubles it (30 s, 1 min, 2 min … ≈ 64 min in all). */
  retryBaseMs = 30_000;
  /** Longest retry delay. */
  retryMaxMs = 60 * 60_000;
  /**
   * How long a claimed row stays this worker's. A worker that died mid-send leaves its rows
   * claimable again after this. It must be well above the longest send (below).
   */
  leaseMs = 10 * 60_000;
  /** Upper bound of one send: connection + greeting + the socket's idle limit, with margin. */
  maxSendMs =
    2 * (SMTP_TIMEOUTS.connectionTimeout + SMTP_TIMEOUTS.greetingTimeout) +
    2 * SMTP_TIMEOUTS.socketTimeout;
  /** Sent and given-up rows are deleted after this long (they keep no content, only the record). */
  retentionMs = 30 * 24 * 60 * 60_000;
  /** How often to prune them. */
  pruneIntervalMs = 60 * 60_000;
  /** While the database is away, repeat the warning at most this often. */
  outageLogIntervalMs = 60_000;

  constructor(overrides: Partial<MailWorkerOptions> = {}) {
    Object.assign(this, overrides);
  }

  /** Delay before try `attempt + 1`, after `attempt` tries failed. */
  retryDelayMs(attempt: number): number {
    return Math.min(this.retryBaseMs * 2 ** Math.max(0, attempt - 1), this.retryMaxMs);
  }
}
