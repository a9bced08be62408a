import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitConfig } from '../config/config-sections';
import { sha256Hex } from '../crypto/digest';
import { BlockAuditor } from './block-auditor';
import { FailureCounter } from './failure-counter';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

const NOTICE = 'second_factor_notice';

/**
 * Second-factor guesses per account (TOTP codes, recovery codes, passkey assertions; at sign-in and
 * at step-up), with the limits of password guesses but in counters of their own: a right password
 * never clears them, so "password, four wrong codes, password again…" from one network still stops
 * at LOGIN_FAILURE_MAX wrong codes. Only a right second factor forgives.
 */
@Injectable()
export class SecondFactorLimiter {
  private readonly counter: FailureCounter;
  private readonly windowMs: number;

  constructor(
    limits: RateLimitConfig,
    private readonly storage: FallbackThrottlerStorage,
    blocks: BlockAuditor,
  ) {
    this.windowMs = limits.windowMs;
    this.counter = new FailureCounter(
      {
        perNetwork: {
          name: 'second_factor_failures',
          limit: limits.loginFailureMax,
          variable: 'LOGIN_FAILURE_MAX',
        },
        accountWide: {
          name: 'second_factor_failures_account',
          limit: limits.loginFailureAccountMax,
          variable: 'LOGIN_FAILURE_ACCOUNT_MAX',
        },
        windowMs: limits.windowMs,
        message: 'Too many wrong second factors: try again later',
        hintVariables: limits.hintVariables,
      },
      storage,
      blocks,
    );
  }

  /** Counts a second-factor attempt on the account; a 429 when over either limit. */
  reserve(userId: string, client: ClientContext): Promise<void> {
    return this.counter.reserve(userId, client);
  }

  forgive(userId: string, client: ClientContext): Promise<void> {
    return this.counter.forgive(userId, client);
  }

  /**
   * True once per window and account: whether the owner should be told of this block now (one
   * notice per window, however many networks keep guessing). Counted in the shared store, so
   * several instances agree.
   */
  async firstNoticeOfWindow(userId: string): Promise<boolean> {
    const record = await this.storage.increment(
      sha256Hex(`notice\n${userId}`),
      this.windowMs,
      1,
      this.windowMs,
      NOTICE,
    );
    return !record.isBlocked;
  }
}
