import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { sha256Hex } from '../crypto/digest';
import type { BlockAuditor } from './block-auditor';
import { clientNetwork } from './client-network';
import { limitMessage } from './limit-hint';
import type { FallbackThrottlerStorage } from './fallback-throttler.storage';

/** How one kind of failure is limited: the throttler names (what a block's audit says) and limits. */
export interface FailureLimits {
  /** `variable` sets the limit: a development 429 names it (limit-hint.ts). */
  perNetwork: { name: string; limit: number; variable: string };
  accountWide: { name: string; limit: number; variable: string };
  windowMs: number;
  /** The 429's message. */
  message: string;
  /** Outside production: the 429 also names the variable that raises the limit. */
  hintVariables: boolean;
}

/**
 * Guesses against one account, counted per client network (/24, /64) and account-wide, so one
 * network cannot lock the owner out everywhere and many networks cannot guess without bound. An
 * attempt is counted *before* it is checked, with one atomic increment-and-compare in the shared
 * store (Redis, or memory while Redis is away), so parallel guesses cannot overshoot; a right
 * answer forgives that network's count and gives its attempt back to the account-wide one. Keys
 * are SHA-256 hashes of what the caller passes: no store holds an address or an id.
 */
export class FailureCounter {
  constructor(
    private readonly limits: FailureLimits,
    private readonly storage: FallbackThrottlerStorage,
    private readonly blocks: BlockAuditor,
  ) {}

  /** Counts an attempt on `account`; a 429 (audited once per block) when over either limit. */
  async reserve(account: string, client: ClientContext): Promise<void> {
    const keys = keysFor(account, client);
    await this.count(keys.network, this.limits.perNetwork, client);
    await this.count(keys.account, this.limits.accountWide, client);
  }

  /** The answer was right: this network's attempts are forgiven, this one leaves the account's count. */
  async forgive(account: string, client: ClientContext): Promise<void> {
    const keys = keysFor(account, client);
    await this.storage.reset(keys.network, this.limits.perNetwork.name);
    await this.storage.release(keys.account, this.limits.accountWide.name);
  }

  private async count(
    key: string,
    throttler: FailureLimits['perNetwork'],
    client: ClientContext,
  ): Promise<void> {
    const { windowMs } = this.limits;
    const record = await this.storage.increment(
      key,
      windowMs,
      throttler.limit,
      windowMs,
      throttler.name,
    );
    if (!record.isBlocked) return;
    const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
    await this.blocks.blocked(`${throttler.name}:${key}`, retryAfterSeconds, client, {
      throttler: throttler.name,
      route: client.route,
    });
    const hint = this.limits.hintVariables ? { ...throttler, windowMs } : undefined;
    throw new RateLimitExceededException(limitMessage(this.limits.message, hint), {
      limit: throttler.limit,
      retryAfterSeconds,
    });
  }
}

function keysFor(account: string, client: ClientContext): { network: string; account: string } {
  const hashed = sha256Hex(account);
  return { account: hashed, network: sha256Hex(`${hashed}\n${clientNetwork(client.ip)}`) };
}
