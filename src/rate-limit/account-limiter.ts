import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { normaliseEmail } from '../common/text/normalise-email';
import { Env } from '../config/env.schema';
import { sha256Hex } from '../crypto/digest';
import { BlockAuditor } from './block-auditor';
import { clientNetwork } from './client-network';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

/** Throttler names: also what a block's audit event says (`metadata.throttler`). */
const PER_NETWORK = 'login_failures';
const ACCOUNT_WIDE = 'login_failures_account';

/**
 * Password guesses per account (API.md "Rate limits"): LOGIN_FAILURE_MAX per RATE_LIMIT_WINDOW_MS
 * for one email from one client network (/24, /64), and LOGIN_FAILURE_ACCOUNT_MAX from all networks
 * together, so one network cannot lock the owner out everywhere and many networks cannot guess
 * without bound. Every password check counts: login, and re-authentication (reveal, password
 * change). An attempt is counted *before* the password is checked, with one atomic
 * increment-and-compare in the shared store (Redis, or memory while Redis is away), so parallel
 * guesses cannot overshoot; the right password forgives that network's count and gives its attempt
 * back to the account-wide one. Unknown emails are counted too, so a 429 reveals nothing about
 * whether an account exists. Keys are SHA-256 hashes: no store holds an address.
 */
@Injectable()
export class AccountLimiter {
  private readonly limits: Record<typeof PER_NETWORK | typeof ACCOUNT_WIDE, number>;
  private readonly windowMs: number;

  constructor(
    env: Env,
    private readonly storage: FallbackThrottlerStorage,
    private readonly blocks: BlockAuditor,
  ) {
    this.limits = {
      [PER_NETWORK]: env.LOGIN_FAILURE_MAX,
      [ACCOUNT_WIDE]: env.LOGIN_FAILURE_ACCOUNT_MAX,
    };
    this.windowMs = env.RATE_LIMIT_WINDOW_MS;
  }

  /** Counts a password attempt on `email`; a 429 (audited once per block) when over either limit. */
  async reserve(email: string, client: ClientContext): Promise<void> {
    const { network, account } = keysFor(email, client);
    await this.count(network, PER_NETWORK, client);
    await this.count(account, ACCOUNT_WIDE, client);
  }

  /** The password was right: this network's attempts are forgiven, this one leaves the account's count. */
  async forgive(email: string, client: ClientContext): Promise<void> {
    const { network, account } = keysFor(email, client);
    await this.storage.reset(network, PER_NETWORK);
    await this.storage.release(account, ACCOUNT_WIDE);
  }

  private async count(
    key: string,
    throttler: typeof PER_NETWORK | typeof ACCOUNT_WIDE,
    client: ClientContext,
  ): Promise<void> {
    const limit = this.limits[throttler];
    const record = await this.storage.increment(
      key,
      this.windowMs,
      limit,
      this.windowMs,
      throttler,
    );
    if (!record.isBlocked) return;
    const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
    await this.blocks.blocked(`${throttler}:${key}`, retryAfterSeconds, client, {
      throttler,
      route: client.route,
    });
    throw new RateLimitExceededException('Too many failed logins: try again later', {
      limit,
      retryAfterSeconds,
    });
  }
}

function keysFor(email: string, client: ClientContext): { network: string; account: string } {
  const account = sha256Hex(normaliseEmail(email));
  return { account, network: sha256Hex(`${account}\n${clientNetwork(client.ip)}`) };
}
