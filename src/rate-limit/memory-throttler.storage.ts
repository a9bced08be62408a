import type { CounterStorage, ThrottlerStorageRecord } from './counter-storage';

interface Window {
  hits: number;
  resetAt: number;
  blockedUntil: number;
}

const MAX_KEYS = 100_000;
const SWEEP_EVERY_MS = 60_000;

/**
 * In-process fixed-window counters: O(1) per request whatever the limit. (@nestjs/throttler's own
 * in-memory storage keeps one timestamp per hit and filters the list on every request, which costs
 * O(limit) per request and made high limits the hottest code under load.) Same window semantics as
 * the Redis storage; bounded in size, swept every minute.
 */
export class MemoryThrottlerStorage implements CounterStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_EVERY_MS).unref();

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${name}:${key}`;
    let window = this.windows.get(id);
    if (!window || (window.resetAt <= now && window.blockedUntil <= now)) {
      if (!window && this.windows.size >= MAX_KEYS) this.sweep(now);
      window = { hits: 0, resetAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil > now) return Promise.resolve(record(window, now, true));
    if (window.resetAt <= now) {
      window.hits = 0;
      window.resetAt = now + ttl;
    }
    window.hits += 1;
    const blocked = window.hits > limit;
    if (blocked) window.blockedUntil = now + blockDuration;
    return Promise.resolve(record(window, now, blocked));
  }

  reset(key: string, name: string): Promise<void> {
    this.windows.delete(`${name}:${key}`);
    return Promise.resolve();
  }

  release(key: string, name: string): Promise<void> {
    const window = this.windows.get(`${name}:${key}`);
    if (window && window.hits > 0) window.hits -= 1;
    return Promise.resolve();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      if (window.resetAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
    // Still full (a flood of distinct clients): drop the oldest windows first.
    for (const id of this.windows.keys()) {
      if (this.windows.size < MAX_KEYS) break;
      this.windows.delete(id);
    }
  }
}

function record(window: Window, now: number, isBlocked: boolean): ThrottlerStorageRecord {
  return {
    totalHits: window.hits,
    timeToExpire: Math.max(0, Math.ceil((window.resetAt - now) / 1000)),
    isBlocked,
    timeToBlockExpire: isBlocked ? Math.max(1, Math.ceil((window.blockedUntil - now) / 1000)) : 0,
  };
}
