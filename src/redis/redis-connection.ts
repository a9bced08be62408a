import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConfig } from '../config/config-sections';
import { redisTlsOptions } from './redis-tls';

/** How long start-up waits for a first connection before carrying on with in-process counters. */
const FIRST_CONNECT_WAIT_MS = 1_000;
const WARN_EVERY_MS = 30_000;

/**
 * The one Redis connection of the process (rate-limit counters, the audit anchor), or none when
 * REDIS_URL is unset.
 *
 * Tuned so that a dead or hung Redis can never hang a request: no offline queue (a command while
 * disconnected fails at once), one retry per command, short connect and command time-outs. Callers
 * catch the failure and fall back (in-process counters, see docs/RATE-LIMITING.md); ioredis keeps
 * reconnecting in the background, and callers move back to Redis as soon as it answers.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');
  private lastWarning = 0;

  constructor(config: RedisConfig) {
    this.client = config.url
      ? new Redis(config.url, {
          lazyConnect: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 1_000,
          commandTimeout: 500,
          disconnectTimeout: 200,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
          connectionName: 'secure-nest-foundation',
          // The Redis user may run only what the code sends (docker/redis/users.acl): no INFO
          // (@dangerous), which ioredis's ready check would send on every connect, and no CLIENT
          // SETINFO. A Redis still loading answers PING with an error: readiness reports it down.
          enableReadyCheck: false,
          disableClientInfo: true,
          tls: redisTlsOptions(config.url, config.caFile),
        })
      : null;
    // Without a listener ioredis prints every failed reconnect; one line per 30 s is enough.
    this.client?.on('error', (error: Error) => this.warn('Redis unavailable', error));
  }

  /** Waits briefly for the first connection so the first requests already count in Redis. */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
      client.once('ready', done);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    if (this.client.status === 'ready')
      await this.client.quit().catch(() => this.client?.disconnect());
    else this.client.disconnect();
  }

  /** Whether Redis answers PING now (readiness); false when it is not configured. */
  async answers(): Promise<boolean> {
    try {
      return (await this.client?.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Logs that a call fell back (to process memory, to a file), at most once every 30 seconds. */
  warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn({ message, detail: error instanceof Error ? error.message : String(error) });
  }
}
