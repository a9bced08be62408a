import { Test } from '@nestjs/testing';
import { describeRedis } from '../../test/support/redis';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { normaliseEmail } from '../common/text/normalise-email';
import { sectionProviders } from '../config/config-of';
import { Env } from '../config/env.schema';
import { AccountLimiter } from './account-limiter';
import { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { RedisConnection } from '../redis/redis-connection';

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
  let redis: RedisConnection;
  let storage: FallbackThrottlerStorage;
  const record = jest.fn();

  beforeEach(async () => {
    record.mockReset();
    const env = Object.assign(new Env(), {
      LOGIN_FAILURE_MAX: 3,
      LOGIN_FAILURE_ACCOUNT_MAX: 5,
      RATE_LIMIT_WINDOW_MS: 1_000,
      REDIS_URL: redisUrl,
    });
    const module = await Test.createTestingModule({
      providers: [
        ...sectionProviders(env),
        { provide: AuditService, useValue: { record } },
        RedisConnection,
        FallbackThrottlerStorage,
        BlockAuditor,
        AccountLimiter,
      ],
    }).compile();
    redis = module.get(RedisConnection);
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

  it('forgive clears the network count', async () => {
    const email = fresh();
    for (let i = 0; i < 3; i++) await limiter.reserve(email, client);
    await limiter.forgive(normaliseEmail(email), client);
    await expect(limiter.reserve(email, client)).resolves.toBeUndefined();
  });

  it('counts per client network: another /24 still gets its own attempts', async () => {
    const email = fresh();
    const sameNetwork = { ...client, ip: '203.0.113.200' };
    const otherNetwork = { ...client, ip: '198.51.100.9' };
    for (let i = 0; i < 3; i++) await limiter.reserve(email, client);
    await expect(limiter.reserve(email, sameNetwork)).rejects.toMatchObject({ status: 429 });
    await expect(limiter.reserve(email, otherNetwork)).resolves.toBeUndefined();
  });

  it('stops every network at the account-wide ceiling', async () => {
    const email = fresh();
    const from = (n: number) => ({ ...client, ip: `10.0.${n}.1` });
    for (let n = 0; n < 5; n++) await limiter.reserve(email, from(n)); // 5 networks, 1 each: the ceiling
    await expect(limiter.reserve(email, from(9))).rejects.toMatchObject({
      status: 429,
      info: { limit: 5 },
    });
  });

  it('gives a successful attempt back to the account-wide count', async () => {
    const email = fresh();
    const from = (n: number) => ({ ...client, ip: `10.1.${n}.1` });
    for (let n = 0; n < 12; n++) {
      await limiter.reserve(email, from(n)); // 12 right passwords from 12 networks, ceiling 5
      await limiter.forgive(email, from(n));
    }
    await expect(limiter.reserve(email, from(99))).resolves.toBeUndefined();
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
