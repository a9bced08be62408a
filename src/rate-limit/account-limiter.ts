import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { normaliseEmail } from '../common/text/normalise-email';
import { Env } from '../config/env.schema';
import { sha256Hex } from '../crypto/digest';
import { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

const THROTTLER = 'login_failures';

/**
 * Password guesses per account (API.md "Rate limits"): LOGIN_FAILURE_MAX per RATE_LIMIT_WINDOW_MS
 * for one email, whatever the client IP. An attempt is counted *before* the password is checked,
 * with one atomic increment-and-compare in the shared storage (Redis, or process memory when Redis
 * is away), so parallel guesses cannot overshoot the limit; the right password forgives the count.
 * Unknown emails are counted too, so being throttled reveals nothing about whether an account
 * exists. Emails are normalised and stored only as SHA-256: no store ever holds an address.
 */
@Injectable()
export class AccountLimiter {
  private readonly max: number;
  private readonly windowMs: number;

  constructor(
    env: Env,
    private readonly storage: FallbackThrottlerStorage,
    private readonly blocks: BlockAuditor,
  ) {
    this.max = env.LOGIN_FAILURE_MAX;
    this.windowMs = env.RATE_LIMIT_WINDOW_MS;
  }

  /** Counts a password attempt on `email`; a 429 (audited once per block) when over the limit. */
  async reserve(email: string, client: ClientContext): Promise<void> {
    const key = keyFor(email);
    const record = await this.storage.increment(
      key,
      this.windowMs,
      this.max,
      this.windowMs,
      THROTTLER,
    );
    if (!record.isBlocked) return;
    const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
    await this.blocks.blocked(`${THROTTLER}:${key}`, retryAfterSeconds, client, {
      throttler: THROTTLER,
      route: client.route,
    });
    throw new RateLimitExceededException('Too many failed logins: try again later', {
      limit: this.max,
      retryAfterSeconds,
    });
  }

  /** The password was right: the account's counted attempts are forgiven. */
  async forgive(email: string): Promise<void> {
    await this.storage.reset(keyFor(email), THROTTLER);
  }
}

function keyFor(email: string): string {
  return sha256Hex(normaliseEmail(email));
}
