import { Injectable } from '@nestjs/common';
import { RedisConfig } from '../config/config-sections';
import { DatabaseHealth } from '../database/database-health';
import { RedisConnection } from '../redis/redis-connection';

const DATABASE_PING_TIMEOUT_MS = 2_000;

export interface Readiness {
  ready: boolean;
  database: 'up' | 'down';
  /** Absent when REDIS_URL is unset. */
  redis?: 'up' | 'down';
  shuttingDown: boolean;
}

/**
 * Ready means PostgreSQL answers and no shutdown has begun (docs/API.md "Health and docs"). A configured Redis that
 * is down does not make an instance unready unless REDIS_REQUIRED=true: every instance could still
 * serve (the limits count in process memory meanwhile), and taking them all out of rotation at
 * once over a cache would sink the fleet.
 */
@Injectable()
export class ReadinessService {
  private shutdownBegun = false;

  constructor(
    private readonly redisConfig: RedisConfig,
    private readonly database: DatabaseHealth,
    private readonly redis: RedisConnection,
  ) {}

  /** From now on, readiness answers 503 (the first step of the ordered shutdown). */
  beginShutdown(): void {
    this.shutdownBegun = true;
  }

  get shuttingDown(): boolean {
    return this.shutdownBegun;
  }

  async check(): Promise<Readiness> {
    const [database, redis] = await Promise.all([
      this.database.answers(DATABASE_PING_TIMEOUT_MS),
      this.redis.client ? this.redis.answers() : undefined,
    ]);
    const redisBlocks = redis === false && this.redisConfig.required;
    return {
      ready: database && !redisBlocks && !this.shutdownBegun,
      database: database ? 'up' : 'down',
      ...(redis === undefined ? {} : { redis: redis ? 'up' : 'down' }),
      shuttingDown: this.shutdownBegun,
    };
  }
}
