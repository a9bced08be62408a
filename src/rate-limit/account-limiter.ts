import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { normaliseEmail } from '../common/text/normalise-email';
import { RateLimitConfig } from '../config/config-sections';
import { BlockAuditor } from './block-auditor';
import { FailureCounter } from './failure-counter';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

/**
 * Password guesses per account: LOGIN_FAILURE_MAX per RATE_LIMIT_WINDOW_MS for one email from one
 * client network, and LOGIN_FAILURE_ACCOUNT_MAX from all networks together (FailureCounter). Every
 * password check counts: login, and re-authentication (reveal, credential changes, step-up).
 * Unknown emails are counted too, so a 429 reveals nothing about whether an account exists.
 */
@Injectable()
export class AccountLimiter {
  private readonly counter: FailureCounter;

  constructor(limits: RateLimitConfig, storage: FallbackThrottlerStorage, blocks: BlockAuditor) {
    this.counter = new FailureCounter(
      {
        perNetwork: {
          name: 'login_failures',
          limit: limits.loginFailureMax,
          variable: 'LOGIN_FAILURE_MAX',
        },
        accountWide: {
          name: 'login_failures_account',
          limit: limits.loginFailureAccountMax,
          variable: 'LOGIN_FAILURE_ACCOUNT_MAX',
        },
        windowMs: limits.windowMs,
        message: 'Too many failed logins: try again later',
        hintVariables: limits.hintVariables,
      },
      storage,
      blocks,
    );
  }

  /** Counts a password attempt on `email`; a 429 (audited once per block) when over either limit. */
  reserve(email: string, client: ClientContext): Promise<void> {
    return this.counter.reserve(normaliseEmail(email), client);
  }

  /** The password was right: this network's attempts are forgiven, this one leaves the account's count. */
  forgive(email: string, client: ClientContext): Promise<void> {
    return this.counter.forgive(normaliseEmail(email), client);
  }
}
