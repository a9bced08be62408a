import type { ThrottlerStorage } from '@nestjs/throttler';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage contract plus `reset`: the account limiter forgives an account's
 * counted attempts when the right password arrives. `increment` is one atomic
 * increment-and-compare, so counting an attempt and deciding whether it may proceed are one step.
 */
export interface CounterStorage extends ThrottlerStorage {
  reset(key: string, throttlerName: string): Promise<void>;
}
