import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import type { CounterStorage, ThrottlerStorageRecord } from './counter-storage';

/**
 * One round trip, atomic: count the hit in a fixed window that starts with the first hit, then
 * report the block, starting one when this hit is over the limit. KEYS: hits, block. ARGV: window
 * ms, limit, block ms. Returns { hits, window ms left, blocked 0|1, block ms left }.
 */
const THROTTLE_LUA = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then return { hits, left, 1, blockLeft } end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return { hits, left, 1, tonumber(ARGV[3]) }
end
return { hits, left, 0, 0 }`;

/** DECR only an existing, positive count: DECR on a missing key would create one without expiry. */
const RELEASE_LUA = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    throttleRelease(hitsKey: string): Result<number, Context>;
    throttleHit(
      hitsKey: string,
      blockKey: string,
      windowMs: number,
      limit: number,
      blockMs: number,
    ): Result<[number, number, number, number], Context>;
  }
}

/**
 * Throttler counters in Redis, shared by every instance. Written here rather than taken from
 * @nest-lab/throttler-storage-redis because the account limiter needs `reset`, which that storage
 * lacks; the script is loaded once and run by its SHA (ioredis `defineCommand`).
 */
export class RedisThrottlerStorage implements CounterStorage {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('throttleHit', { numberOfKeys: 2, lua: THROTTLE_LUA });
    redis.defineCommand('throttleRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    const [hits, left, blocked, blockLeft] = await this.redis.throttleHit(
      ...keysOf(key, name),
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(left / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft / 1000),
    };
  }

  async reset(key: string, name: string): Promise<void> {
    await this.redis.del(...keysOf(key, name));
  }

  async release(key: string, name: string): Promise<void> {
    await this.redis.throttleRelease(keysOf(key, name)[0]);
  }
}

/** The hash tag keeps both keys of one counter in one cluster slot. */
function keysOf(key: string, name: string): [string, string] {
  return [`throttle:{${name}:${key}}:hits`, `throttle:{${name}:${key}}:block`];
}
