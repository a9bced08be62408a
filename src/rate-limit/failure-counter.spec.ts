import { aClient } from '../../test/support/factories';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { sha256Hex } from '../crypto/digest';
import type { BlockAuditor } from './block-auditor';
import { clientNetwork } from './client-network';
import type { ThrottlerStorageRecord } from './counter-storage';
import { FailureCounter, type FailureLimits } from './failure-counter';
import type { FallbackThrottlerStorage } from './fallback-throttler.storage';

const LIMITS: FailureLimits = {
  perNetwork: { name: 'guesses', limit: 3, variable: 'GUESS_MAX' },
  accountWide: { name: 'guesses_account', limit: 10, variable: 'GUESS_ACCOUNT_MAX' },
  windowMs: 900_000,
  message: 'Too many guesses',
  hintVariables: false, // production
};
const client = aClient({ ip: '203.0.113.77' });
const ACCOUNT_KEY = sha256Hex('ada@example.org');
const NETWORK_KEY = sha256Hex(`${ACCOUNT_KEY}\n${clientNetwork(client.ip)}`);

const allowed: ThrottlerStorageRecord = {
  totalHits: 1,
  timeToExpire: 900,
  isBlocked: false,
  timeToBlockExpire: 0,
};
const blockedFor = (timeToBlockExpire: number): ThrottlerStorageRecord => ({
  ...allowed,
  isBlocked: true,
  timeToBlockExpire,
});

describe('FailureCounter', () => {
  let storage: jest.Mocked<Pick<FallbackThrottlerStorage, 'increment' | 'reset' | 'release'>>;
  let blocks: jest.Mocked<Pick<BlockAuditor, 'blocked'>>;
  let counter: FailureCounter;

  beforeEach(() => {
    storage = {
      increment: jest.fn().mockResolvedValue(allowed),
      reset: jest.fn().mockResolvedValue(undefined),
      release: jest.fn().mockResolvedValue(undefined),
    };
    blocks = { blocked: jest.fn().mockResolvedValue(undefined) };
    counter = new FailureCounter(
      LIMITS,
      storage as unknown as FallbackThrottlerStorage,
      blocks as unknown as BlockAuditor,
    );
  });

  it('counts an attempt per network and account-wide, under hashed keys, for the whole window', async () => {
    await counter.reserve('ada@example.org', client);
    expect(storage.increment.mock.calls).toEqual([
      [NETWORK_KEY, 900_000, 3, 900_000, 'guesses'],
      [ACCOUNT_KEY, 900_000, 10, 900_000, 'guesses_account'],
    ]);
    expect(JSON.stringify(storage.increment.mock.calls)).not.toMatch(/ada|203\.0\.113/);
    expect(blocks.blocked).not.toHaveBeenCalled();
  });

  it('counts the same network for any address of its /24', async () => {
    await counter.reserve('ada@example.org', { ...client, ip: '203.0.113.200' });
    expect(storage.increment.mock.calls[0][0]).toBe(NETWORK_KEY);
  });

  it('over the network limit: a 429 with the limit and the time left, audited, and no account-wide count', async () => {
    storage.increment.mockResolvedValueOnce(blockedFor(840));
    const refusal = counter.reserve('ada@example.org', client);
    await expect(refusal).rejects.toBeInstanceOf(RateLimitExceededException);
    await expect(refusal).rejects.toMatchObject({
      message: 'Too many guesses',
      info: { limit: 3, retryAfterSeconds: 840 },
    });
    expect(storage.increment).toHaveBeenCalledTimes(1);
    expect(blocks.blocked).toHaveBeenCalledWith(`guesses:${NETWORK_KEY}`, 840, client, {
      throttler: 'guesses',
      route: client.route,
    });
  });

  it('outside production, the 429 names the variable that raises the limit it hit', async () => {
    const developing = new FailureCounter(
      { ...LIMITS, hintVariables: true },
      storage as unknown as FallbackThrottlerStorage,
      blocks as unknown as BlockAuditor,
    );
    storage.increment.mockResolvedValueOnce(blockedFor(840));
    await expect(developing.reserve('ada@example.org', client)).rejects.toMatchObject({
      message: 'Too many guesses (development: 3 per 15 minutes; GUESS_MAX raises it)',
    });
    storage.increment.mockResolvedValueOnce(allowed).mockResolvedValueOnce(blockedFor(10));
    await expect(developing.reserve('ada@example.org', client)).rejects.toMatchObject({
      message: 'Too many guesses (development: 10 per 15 minutes; GUESS_ACCOUNT_MAX raises it)',
    });
  });

  it('over the account-wide limit: a 429 naming that limit', async () => {
    storage.increment.mockResolvedValueOnce(allowed).mockResolvedValueOnce(blockedFor(30));
    await expect(counter.reserve('ada@example.org', client)).rejects.toMatchObject({
      info: { limit: 10, retryAfterSeconds: 30 },
    });
    expect(blocks.blocked).toHaveBeenCalledWith(
      `guesses_account:${ACCOUNT_KEY}`,
      30,
      client,
      expect.objectContaining({ throttler: 'guesses_account' }),
    );
  });

  it('never tells a blocked client to retry in less than a second', async () => {
    storage.increment.mockResolvedValueOnce(blockedFor(0));
    await expect(counter.reserve('ada@example.org', client)).rejects.toMatchObject({
      info: { retryAfterSeconds: 1 },
    });
  });

  it("forgives the network's count and gives one attempt back to the account's", async () => {
    await counter.forgive('ada@example.org', client);
    expect(storage.reset).toHaveBeenCalledWith(NETWORK_KEY, 'guesses');
    expect(storage.release).toHaveBeenCalledWith(ACCOUNT_KEY, 'guesses_account');
    expect(storage.reset).toHaveBeenCalledTimes(1);
    expect(storage.release).toHaveBeenCalledTimes(1);
  });
});
