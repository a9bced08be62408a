import { aClient } from '../../test/support/factories';
import type { RateLimitConfig } from '../config/config-sections';
import type { RedisConnection } from '../redis/redis-connection';
import type { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { SecondFactorLimiter } from './second-factor-limiter';

const LIMITS: RateLimitConfig = {
  windowMs: 60_000,
  max: 100,
  authMax: 5,
  loginFailureMax: 2,
  loginFailureAccountMax: 4,
  hintVariables: false,
};
const client = aClient();

describe('SecondFactorLimiter', () => {
  let storage: FallbackThrottlerStorage;
  let blocked: jest.Mock;
  let limiter: SecondFactorLimiter;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-07T10:00:00Z') });
    storage = new FallbackThrottlerStorage({ client: null } as unknown as RedisConnection);
    blocked = jest.fn().mockResolvedValue(undefined);
    limiter = new SecondFactorLimiter(LIMITS, storage, { blocked } as unknown as BlockAuditor);
  });
  afterEach(() => {
    storage.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('lets LOGIN_FAILURE_MAX second factors through per network, then a 429 of its own kind', async () => {
    await limiter.reserve('u-1', client);
    await limiter.reserve('u-1', client);
    await expect(limiter.reserve('u-1', client)).rejects.toMatchObject({
      status: 429,
      message: 'Too many wrong second factors: try again later',
      info: { limit: 2, retryAfterSeconds: 60 },
    });
    expect(blocked).toHaveBeenCalledWith(
      expect.stringMatching(/^second_factor_failures:/),
      60,
      client,
      { throttler: 'second_factor_failures', route: client.route },
    );
  });

  it('stops every network at LOGIN_FAILURE_ACCOUNT_MAX', async () => {
    for (let n = 0; n < 4; n++) await limiter.reserve('u-1', aClient({ ip: `10.0.${n}.1` }));
    await expect(limiter.reserve('u-1', aClient({ ip: '10.0.9.1' }))).rejects.toMatchObject({
      info: { limit: 4 },
    });
    expect(blocked).toHaveBeenCalledWith(
      expect.stringMatching(/^second_factor_failures_account:/),
      60,
      expect.anything(),
      expect.objectContaining({ throttler: 'second_factor_failures_account' }),
    );
  });

  it('forgives only on a right second factor, and keeps accounts apart', async () => {
    await limiter.reserve('u-1', client);
    await limiter.reserve('u-1', client);
    await limiter.forgive('u-1', client);
    await expect(limiter.reserve('u-1', client)).resolves.toBeUndefined();
    await limiter.reserve('u-2', client);
    await expect(limiter.reserve('u-2', client)).resolves.toBeUndefined();
  });

  it('tells the owner once per window and account, however many blocks', async () => {
    expect(await limiter.firstNoticeOfWindow('u-1')).toBe(true);
    expect(await limiter.firstNoticeOfWindow('u-1')).toBe(false);
    expect(await limiter.firstNoticeOfWindow('u-2')).toBe(true);
    jest.advanceTimersByTime(60_000);
    expect(await limiter.firstNoticeOfWindow('u-1')).toBe(true);
  });
});
