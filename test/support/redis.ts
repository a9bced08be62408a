import Redis from 'ioredis';

/**
 * `describe` when REDIS_URL is set (the global set-ups set it when a local Redis answers,
 * local-redis.ts), otherwise a skipped block plus a warning saying so: the Redis specs never pass
 * silently without Redis.
 */
export function describeRedis(name: string, fn: () => void): void {
  if (process.env.REDIS_URL) {
    describe(name, fn);
    return;
  }
  console.warn(`SKIPPED "${name}": REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379)`);
  const skipped = describe.skip;
  skipped(name, fn);
}

export function redisClient(): Redis {
  return new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 1 });
}

/** A loopback-free client address per test, so counters left in Redis by earlier runs never collide. */
export function randomClientIp(): string {
  const byte = (): number => Math.floor(Math.random() * 254) + 1;
  return `198.51.${byte()}.${byte()}`;
}
