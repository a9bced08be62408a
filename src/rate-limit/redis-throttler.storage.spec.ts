import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { describeRedis, redisClient } from '../../test/support/redis';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describeRedis('RedisThrottlerStorage', () => {
  // Two connections: two instances of the service sharing one Redis.
  let clients: Redis[];
  let instances: RedisThrottlerStorage[];
  beforeEach(() => {
    clients = [redisClient(), redisClient()];
    instances = clients.map((client) => new RedisThrottlerStorage(client));
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('lets exactly the limit through a burst of 60 concurrent hits from two instances', async () => {
    const key = randomUUID();
    const records = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        instances[i % 2].increment(key, 10_000, 5, 10_000, 'burst'),
      ),
    );
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(5);
    // Every hit was counted, each exactly once: no two callers saw the same count.
    expect(records.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });

  it('gives back one counted hit, never going below zero', async () => {
    const key = randomUUID();
    const [storage] = instances;
    await storage.increment(key, 10_000, 2, 10_000, 'release');
    await storage.release(key, 'release');
    await storage.release(key, 'release');
    expect(await storage.increment(key, 10_000, 2, 10_000, 'release')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });
});
