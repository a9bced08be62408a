import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RedisConnection } from '../redis/redis-connection';

/** Readiness of the shared rate-limit store; only checked when REDIS_URL is configured. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
  ) {}

  get configured(): boolean {
    return this.redis.client !== null;
  }

  async ping(key: 'redis'): Promise<HealthIndicatorResult<'redis'>> {
    const session = this.indicators.check(key);
    try {
      const reply = await this.redis.client?.ping();
      return reply === 'PONG' ? session.up() : session.down({ message: 'unexpected reply' });
    } catch {
      return session.down({ message: 'not answering' });
    }
  }
}
