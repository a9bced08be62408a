import { Injectable } from '@nestjs/common';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { normaliseEmail } from '../common/text/normalise-email';
import { Env } from '../config/env.schema';
import { sha256Hex } from '../crypto/random-token';
import { RateLimitRedis } from './rate-limit-redis';

interface MemoryCounter {
  count: number;
  expiresAt: number;
}

const KEY_PREFIX = 'login-failures:';
const MAX_MEMORY_KEYS = 100_000;

/**
 * Per-account login-failure throttle: LOGIN_FAILURE_MAX failed logins per RATE_LIMIT_WINDOW_MS for
 * one email, whatever the client IP (API.md "Rate limits"). A fixed window that starts with the
 * first failure; when it passes the account is unblocked. It throttles, it never locks an account.
 *
 * Contract for AuthService.login (POST /api/auth/login):
 * 1. Before checking the password: `await limiter.assertNotBlocked(email)`, which throws a 429
 *    (`RateLimitExceededException`: the global filter adds `Retry-After` and `RateLimit-*`). Or do it
 *    by hand with `isBlocked(email)` → `{ blocked, retryAfterSeconds }`.
 * 2. On every failed login, `await limiter.recordFailure(email)`: for unknown emails and deactivated
 *    users too, so being blocked reveals nothing about whether an account exists.
 * 3. On a successful login, `await limiter.reset(email)`.
 *
 * Emails are normalised (trim, NFKC, lower case) and stored only as a SHA-256 hash: neither Redis
 * nor memory holds an address. With REDIS_URL the counts are shared by every instance (INCR on a
 * key created with its expiry, so a key can never outlive its window); if Redis fails a call, that
 * call counts in process memory (docs/RATE-LIMITING.md).
 *
 * Known limit: attempts already in flight when the count reaches the maximum still complete, so a
 * burst of parallel guesses can overshoot by the number in flight; the per-IP `auth` throttler
 * (@AuthRateLimit) bounds that burst per client.
 */
@Injectable()
export class LoginFailureLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly memory = new Map<string, MemoryCounter>();

  constructor(
    env: Env,
    private readonly redis: RateLimitRedis,
  ) {
    this.max = env.LOGIN_FAILURE_MAX;
    this.windowMs = env.RATE_LIMIT_WINDOW_MS;
  }

  async isBlocked(email: string): Promise<{ blocked: boolean; retryAfterSeconds: number }> {
    const key = keyFor(email);
    const { count, ttlMs } =
      (await this.fromRedis((client) => this.readRedis(client, key))) ?? this.readMemory(key);
    const blocked = count >= this.max && ttlMs > 0;
    return { blocked, retryAfterSeconds: blocked ? Math.max(1, Math.ceil(ttlMs / 1000)) : 0 };
  }

  async recordFailure(email: string): Promise<void> {
    const key = keyFor(email);
    const done = await this.fromRedis(async (client) => {
      // SET NX PX creates the key with its expiry; INCR keeps that expiry. One atomic MULTI.
      throwOnError(await client.multi().set(key, 0, 'PX', this.windowMs, 'NX').incr(key).exec());
      return true;
    });
    if (!done) this.incrementMemory(key);
  }

  async reset(email: string): Promise<void> {
    const key = keyFor(email);
    this.memory.delete(key);
    await this.fromRedis((client) => client.del(key));
  }

  /** Throws the 429 of step 1 of the contract when `email` is blocked. */
  async assertNotBlocked(email: string): Promise<void> {
    const { blocked, retryAfterSeconds } = await this.isBlocked(email);
    if (blocked) {
      throw new RateLimitExceededException('Too many failed logins: try again later', {
        limit: this.max,
        retryAfterSeconds,
      });
    }
  }

  private async readRedis(
    client: NonNullable<RateLimitRedis['client']>,
    key: string,
  ): Promise<{ count: number; ttlMs: number }> {
    const [[, count], [, ttl]] = throwOnError(await client.multi().get(key).pttl(key).exec()) as [
      [null, string | null],
      [null, number],
    ];
    if (count !== null && ttl === -1) await client.pexpire(key, this.windowMs); // heal a key that lost its expiry
    return { count: Number(count ?? 0), ttlMs: ttl === -1 ? this.windowMs : ttl };
  }

  private async fromRedis<T>(
    call: (client: NonNullable<RateLimitRedis['client']>) => Promise<T>,
  ): Promise<T | null> {
    const client = this.redis.client;
    if (!client) return null;
    try {
      return await call(client);
    } catch (error) {
      this.redis.warn('Redis unavailable: login failures counted in process memory', error);
      return null;
    }
  }

  private readMemory(key: string): { count: number; ttlMs: number } {
    const entry = this.live(key);
    return entry
      ? { count: entry.count, ttlMs: entry.expiresAt - Date.now() }
      : { count: 0, ttlMs: 0 };
  }

  private incrementMemory(key: string): void {
    const entry = this.live(key);
    if (entry) {
      entry.count += 1;
      return;
    }
    if (this.memory.size >= MAX_MEMORY_KEYS) this.sweep();
    this.memory.set(key, { count: 1, expiresAt: Date.now() + this.windowMs });
  }

  private live(key: string): MemoryCounter | undefined {
    const entry = this.memory.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.memory.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired counters, then the oldest ones if a spray of addresses still fills the map. */
  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.memory) if (entry.expiresAt <= now) this.memory.delete(key);
    for (const key of this.memory.keys()) {
      if (this.memory.size < MAX_MEMORY_KEYS) break;
      this.memory.delete(key);
    }
  }
}

type ExecResult = Array<[Error | null, unknown]> | null;

function throwOnError(results: ExecResult): Array<[Error | null, unknown]> {
  if (!results) throw new Error('Redis transaction aborted');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results;
}

function keyFor(email: string): string {
  // The same account always maps to the same key, and Redis never holds an address.
  return KEY_PREFIX + sha256Hex(normaliseEmail(email));
}
