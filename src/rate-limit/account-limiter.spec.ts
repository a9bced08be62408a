import { Test } from '@nestjs/testing';
import { describeRedis } from '../../test/support/redis';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { normaliseEmail } from '../common/text/normalise-email';
import { Env } from '../config/env.schema';
import { AccountLimiter } from './account-limiter';
import { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { RateLimitRedis } from './rate-limit-redis';

const client: ClientContext = {
  ip: '203.0.113.9',
  userAgent: 'jest',
  requestId: 'req-1',
  route: 'POST /api/auth/login',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fresh = (): string => `user.${Math.random()}@example.com`;

function behavesAsAnAccountLimit(redisUrl: string | undefined): void {
  let limiter: AccountLimiter;
  let redis: RateLimitRedis;
  let storage: FallbackThrottlerStorage;
  const record = jest.fn();

  beforeEach(async () => {
    record.mockReset();
    const env = Object.assign(new Env(), {
      LOGIN_FAILURE_MAX: 3,
      RATE_LIMIT_WINDOW_MS: 1_000,
      REDIS_URL: redisUrl,
    });
    const module = await Test.createTestingModule({
      providers: [
        { provide: Env, useValue: env },
        { provide: AuditService, useValue: { record } },
        RateLimitRedis,
        FallbackThrottlerStorage,
        BlockAuditor,
        AccountLimiter,
      ],
    }).compile();
    redis = module.get(RateLimitRedis);
    storage = module.get(FallbackThrottlerStorage);
    await redis.onModuleInit();
    limiter = module.get(AccountLimiter);
  });
  afterEach(async () => {
    storage.onApplicationShutdown();
    await redis.onApplicationShutdown();
  });

  it('lets LOGIN_FAILURE_MAX attempts through per normalised email, refuses the next, and unblocks after the window', async () => {
    const email = fresh();
    for (let i = 0; i < 3; i++)
      await limiter.reserve(i === 1 ? ` ${email.toUpperCase()}\t` : email, client);
    await expect(limiter.reserve(email, client)).rejects.toMatchObject({
      status: 429,
      info: { limit: 3, retryAfterSeconds: 1 },
    });
    await expect(limiter.reserve(`other.${email}`, client)).resolves.toBeUndefined();
    await sleep(1_100);
    await expect(limiter.reserve(email, client)).resolves.toBeUndefined();
  });

  it('counts before the check: of 20 parallel attempts exactly LOGIN_FAILURE_MAX get through', async () => {
    const email = fresh();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => limiter.reserve(email, client)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('forgive clears the count', async () => {
    const email = fresh();
    for (let i = 0; i < 3; i++) await limiter.reserve(email, client);
    await limiter.forgive(normaliseEmail(email));
    await expect(limiter.reserve(email, client)).resolves.toBeUndefined();
  });

  it('audits a block once, with the throttler and the route', async () => {
    const email = fresh();
    for (let i = 0; i < 3; i++) await limiter.reserve(email, client);
    for (let i = 0; i < 4; i++) await expect(limiter.reserve(email, client)).rejects.toThrow();
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledWith({
      type: 'security.rate_limited',
      client,
      metadata: { throttler: 'login_failures', route: 'POST /api/auth/login' },
    });
  });
}

describe('AccountLimiter in process memory', () => behavesAsAnAccountLimit(undefined));

// Port 1 on loopback: nothing listens, the connection is refused at once; counts fall back to memory.
describe('AccountLimiter with Redis down', () => behavesAsAnAccountLimit('redis://127.0.0.1:1'));

describeRedis('AccountLimiter in Redis', () => behavesAsAnAccountLimit(process.env.REDIS_URL));

describe('normaliseEmail', () => {
  it('trims, applies NFKC and lower-cases', () => {
    expect(normaliseEmail('  Ａlice@EXAMPLE.com ')).toBe('alice@example.com');
  });
});
