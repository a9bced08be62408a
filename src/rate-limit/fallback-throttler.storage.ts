import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import type { RateLimitRedis } from './rate-limit-redis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Counts in Redis when REDIS_URL is set (shared by every instance), in process memory otherwise.
 * If Redis fails a call, that call counts in process memory instead: limits stay enforced per
 * instance rather than being lifted or turning every request into an error.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage {
  private readonly redis: ThrottlerStorageRedisService | null;
  private readonly memory = new MemoryThrottlerStorage();

  constructor(private readonly connection: RateLimitRedis) {
    this.redis = connection.client ? new ThrottlerStorageRedisService(connection.client) : null;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.redis) {
      try {
        return await this.redis.increment(key, ttl, limit, blockDuration, name);
      } catch (error) {
        this.connection.warn('Redis unavailable: rate limits counted in process memory', error);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, name);
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }
}
