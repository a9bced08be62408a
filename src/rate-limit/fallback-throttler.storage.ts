import { Injectable } from '@nestjs/common';
import type { CounterStorage, ThrottlerStorageRecord } from './counter-storage';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { RedisConnection } from '../redis/redis-connection';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * The one store behind every limit (the throttlers and the account limiter): Redis when REDIS_URL
 * is set (shared by every instance), process memory otherwise. If Redis fails a call, that call
 * counts in process memory instead: limits stay enforced per instance rather than being lifted or
 * turning every request into an error (docs/RATE-LIMITING.md).
 */
@Injectable()
export class FallbackThrottlerStorage implements CounterStorage {
  private readonly redis: RedisThrottlerStorage | null;
  private readonly memory = new MemoryThrottlerStorage();

  constructor(private readonly connection: RedisConnection) {
    this.redis = connection.client ? new RedisThrottlerStorage(connection.client) : null;
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

  async reset(key: string, name: string): Promise<void> {
    await this.memory.reset(key, name);
    if (!this.redis) return;
    try {
      await this.redis.reset(key, name);
    } catch (error) {
      this.connection.warn(
        'Redis unavailable: a rate-limit reset reached process memory only',
        error,
      );
    }
  }

  async release(key: string, name: string): Promise<void> {
    await this.memory.release(key, name);
    if (!this.redis) return;
    try {
      await this.redis.release(key, name);
    } catch (error) {
      this.connection.warn(
        'Redis unavailable: a rate-limit release reached process memory only',
        error,
      );
    }
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }
}
