import { Env } from '../config/env.schema';
import { describeRedis } from '../../test/support/redis';
import { normaliseEmail } from '../common/text/normalise-email';
import { LoginFailureLimiter } from './login-failure.limiter';
import { RateLimitRedis } from './rate-limit-redis';

function limiterWith(overrides: Partial<Env>): {
  limiter: LoginFailureLimiter;
  redis: RateLimitRedis;
} {
  const env = Object.assign(
    new Env(),
    { LOGIN_FAILURE_MAX: 3, RATE_LIMIT_WINDOW_MS: 1_000 },
    overrides,
  );
  const redis = new RateLimitRedis(env);
  return { limiter: new LoginFailureLimiter(env, redis), redis };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function behavesAsAThrottle(
  make: () => { limiter: LoginFailureLimiter; redis: RateLimitRedis },
): void {
  let limiter: LoginFailureLimiter;
  let redis: RateLimitRedis;
  beforeEach(async () => {
    ({ limiter, redis } = make());
    await redis.onModuleInit();
  });
  afterEach(() => redis.onApplicationShutdown());

  it('blocks after LOGIN_FAILURE_MAX failures, per normalised email, and unblocks when the window passes', async () => {
    const email = `user.${Math.random()}@example.com`;
    for (let i = 0; i < 2; i++) await limiter.recordFailure(email);
    expect(await limiter.isBlocked(email)).toEqual({ blocked: false, retryAfterSeconds: 0 });
    await limiter.recordFailure(` ${email.toUpperCase()}\t`);
    expect(await limiter.isBlocked(email)).toEqual({ blocked: true, retryAfterSeconds: 1 });
    await expect(limiter.assertNotBlocked(email)).rejects.toMatchObject({
      status: 429,
      info: { limit: 3, retryAfterSeconds: 1 },
    });
    expect((await limiter.isBlocked(`other.${email}`)).blocked).toBe(false);
    await sleep(1_100);
    expect((await limiter.isBlocked(email)).blocked).toBe(false);
    await expect(limiter.assertNotBlocked(email)).resolves.toBeUndefined();
  });

  it('reset clears the count', async () => {
    const email = `user.${Math.random()}@example.com`;
    for (let i = 0; i < 3; i++) await limiter.recordFailure(email);
    expect((await limiter.isBlocked(email)).blocked).toBe(true);
    await limiter.reset(email);
    expect((await limiter.isBlocked(email)).blocked).toBe(false);
  });
}

describe('LoginFailureLimiter in process memory', () => {
  behavesAsAThrottle(() => limiterWith({}));
});

describe('LoginFailureLimiter with Redis down', () => {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  behavesAsAThrottle(() => limiterWith({ REDIS_URL: 'redis://127.0.0.1:1' }));
});

describeRedis('LoginFailureLimiter in Redis', () => {
  behavesAsAThrottle(() => limiterWith({ REDIS_URL: process.env.REDIS_URL }));
});

describe('normaliseEmail', () => {
  it('trims, applies NFKC and lower-cases', () => {
    expect(normaliseEmail('  Ａlice@EXAMPLE.com ')).toBe('alice@example.com');
  });
});
