import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe('MemoryThrottlerStorage', () => {
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-27T10:00:00Z') });
    storage = new MemoryThrottlerStorage();
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('counts hits in a window and blocks the one over the limit', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await storage.increment('ip', 60_000, 3, 60_000, 'default')).toMatchObject({
        totalHits: i,
        isBlocked: false,
        timeToExpire: 60,
      });
    }
    expect(await storage.increment('ip', 60_000, 3, 60_000, 'default')).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 60,
    });
  });

  it('keeps a blocked client blocked for the block duration, then starts afresh', async () => {
    for (let i = 0; i < 3; i++) await storage.increment('ip', 10_000, 2, 30_000, 'auth');
    jest.advanceTimersByTime(15_000); // the window has passed, the block has not
    expect(await storage.increment('ip', 10_000, 2, 30_000, 'auth')).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 15,
    });
    jest.advanceTimersByTime(15_000);
    expect(await storage.increment('ip', 10_000, 2, 30_000, 'auth')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });

  it('keeps throttlers and keys apart', async () => {
    await storage.increment('a', 60_000, 1, 60_000, 'default');
    expect(await storage.increment('a', 60_000, 1, 60_000, 'auth')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
    expect(await storage.increment('b', 60_000, 1, 60_000, 'default')).toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
    expect(await storage.increment('a', 60_000, 1, 60_000, 'default')).toMatchObject({
      isBlocked: true,
    });
  });

  it('counts up to any limit with one counter per key', async () => {
    for (let i = 0; i < 50_000; i++)
      await storage.increment('ip', 900_000, 100_000_000, 900_000, 'default');
    expect(await storage.increment('ip', 900_000, 100_000_000, 900_000, 'default')).toMatchObject({
      totalHits: 50_001,
    });
  });
});
