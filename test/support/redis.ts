import Redis from 'ioredis';
import { describeWhen } from './prerequisites';

/**
 * `describe` when REDIS_URL is set (the global set-ups set it when a local Redis answers,
 * local-redis.ts), otherwise skipped and said so, or failed under `npm run test:full`
 * (prerequisites.ts): the Redis specs never pass silently without Redis.
 */
export function describeRedis(name: string, fn: () => void): void {
  const missing = process.env.REDIS_URL
    ? undefined
    : 'REDIS_URL is not set and no Redis answers at 127.0.0.1:6379 (e.g. REDIS_URL=redis://127.0.0.1:6379)';
  describeWhen(missing, name, fn);
}

export function redisClient(): Redis {
  return new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 1 });
}

/** A loopback-free client address per test, so counters left in Redis by earlier runs never collide. */
export function randomClientIp(): string {
  const byte = (): number => Math.floor(Math.random() * 254) + 1;
  return `198.51.${byte()}.${byte()}`;
}
