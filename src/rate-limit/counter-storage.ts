import type { ThrottlerStorage } from '@nestjs/throttler';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage contract plus what the account limiter needs when the right password
 * arrives: `reset` forgives a network's attempts, `release` gives back the one attempt counted
 * against the account as a whole. `increment` is one atomic increment-and-compare, so counting an
 * attempt and deciding whether it may proceed are one step.
 */
export interface CounterStorage extends ThrottlerStorage {
  reset(key: string, throttlerName: string): Promise<void>;
  /** Takes back one counted hit (never below zero); a block already in force stays. */
  release(key: string, throttlerName: string): Promise<void>;
}
