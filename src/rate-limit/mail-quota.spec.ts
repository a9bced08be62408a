import { Test } from '@nestjs/testing';
import { describeRedis } from '../../test/support/redis';
import type { ClientContext } from '../common/http/client-context';
import { sectionProviders } from '../config/config-of';
import { Env } from '../config/env.schema';
import { RedisConnection } from '../redis/redis-connection';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { KnownNetworkRepository } from './known-network.repository';
import { KnownNetworks } from './known-networks';
import { MailQuota, type MailRequester } from './mail-quota';

/** The table of known networks, kept in a Set: what the quota asks of it is membership. */
class KnownNetworkTable implements Pick<KnownNetworkRepository, 'record' | 'seenWithin'> {
  readonly rows = new Set<string>();
  record(userId: string, fingerprint: string): Promise<void> {
    this.rows.add(`${userId} ${fingerprint}`);
    return Promise.resolve();
  }
  seenWithin(userId: string, fingerprint: string): Promise<boolean> {
    return Promise.resolve(this.rows.has(`${userId} ${fingerprint}`));
  }
}

const HOUR_S = 3_600;
const OWNER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const fresh = (): string => `owner.${Math.random().toString(36).slice(2)}@example.org`;
const from = (ip: string): ClientContext => ({
  ip,
  userAgent: 'jest',
  requestId: 'req-1',
  route: 'POST /api/auth/password/forgot',
});
/** A stranger on its own /24 (n < 256). */
const stranger = (n: number): MailRequester => ({ client: from(`192.0.${n}.10`) });

function behavesAsTheMailQuota(redisUrl: string | undefined): void {
  let quota: MailQuota;
  let networks: KnownNetworks;
  let table: KnownNetworkTable;
  let redis: RedisConnection;
  let storage: FallbackThrottlerStorage;

  beforeEach(async () => {
    table = new KnownNetworkTable();
    const env = Object.assign(new Env(), { PASSWORD_PEPPER: 'p'.repeat(32), REDIS_URL: redisUrl });
    const module = await Test.createTestingModule({
      providers: [
        ...sectionProviders(env),
        { provide: KnownNetworkRepository, useValue: table },
        RedisConnection,
        FallbackThrottlerStorage,
        KnownNetworks,
        MailQuota,
      ],
    }).compile();
    redis = module.get(RedisConnection);
    storage = module.get(FallbackThrottlerStorage);
    await redis.onModuleInit();
    quota = module.get(MailQuota);
    networks = module.get(KnownNetworks);
  });
  afterEach(async () => {
    storage.onApplicationShutdown();
    await redis.onApplicationShutdown();
  });

  async function allowedOf(address: string, requester: MailRequester, times: number) {
    const outcomes = [];
    for (let i = 0; i < times; i++) outcomes.push((await quota.take(address, requester)).allowed);
    return outcomes;
  }

  it('a stranger network gets 3 an hour, then a refusal naming limit 3 and about an hour', async () => {
    const address = fresh();
    expect(await allowedOf(address, stranger(1), 3)).toEqual([true, true, true]);
    const refused = await quota.take(address, { client: from('192.0.1.99') }); // the same /24
    expect(refused).toEqual({ allowed: false, limit: 3, retryAfterSeconds: expect.any(Number) });
    expect(refused.retryAfterSeconds).toBeGreaterThan(HOUR_S - 60);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(HOUR_S);
    // Another stranger network has its own 3; the address is counted in its normalised form.
    expect(await allowedOf(` ${address.toUpperCase()}`, stranger(2), 4)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('all strangers together get 10 an hour; a network over its own share does not use that up', async () => {
    const address = fresh();
    // One network asks 13 times: 3 mails, then 10 refusals that must not count address-wide.
    expect((await allowedOf(address, stranger(1), 13)).filter(Boolean)).toHaveLength(3);
    for (let n = 2; n <= 4; n++)
      expect(await allowedOf(address, stranger(n), 2)).toEqual([true, true]);
    expect(await allowedOf(address, stranger(5), 1)).toEqual([true]); // the 10th mail
    expect(await quota.take(address, stranger(6))).toMatchObject({ allowed: false, limit: 10 });
    // Refused by the ceiling, each attempt gives its place in the network's share back: five in a
    // row are all the ceiling's refusals, never the network's (limit 3).
    for (let i = 0; i < 5; i++)
      expect(await quota.take(address, stranger(7))).toMatchObject({ allowed: false, limit: 10 });
  });

  it("the owner's own session has a bucket of 3 that strangers cannot use up, and does not use up theirs", async () => {
    const address = fresh();
    for (let n = 1; n <= 10; n++) await allowedOf(address, stranger(n), 1); // the ceiling is reached
    expect(await quota.take(address, stranger(11))).toMatchObject({ allowed: false });
    const ownSession: MailRequester = {
      client: from('192.0.1.10'), // even from a stranger's network: the session decides
      owner: { userId: OWNER_ID, viaOwnSession: true },
    };
    expect(await allowedOf(address, ownSession, 4)).toEqual([true, true, true, false]);
    expect(await quota.take(address, ownSession)).toMatchObject({ allowed: false, limit: 3 });

    const other = fresh();
    expect(await allowedOf(other, { ...ownSession, client: from('192.0.1.10') }, 3)).toEqual([
      true,
      true,
      true,
    ]);
    // Three owner mails to `other` left its strangers' shares untouched.
    expect(await allowedOf(other, stranger(1), 3)).toEqual([true, true, true]);
  });

  it("without a session, a network the owner signed in from (any address of its /24) uses the owner's bucket", async () => {
    const address = fresh();
    await networks.remember(OWNER_ID, '203.0.113.5');
    const owner = { userId: OWNER_ID, viaOwnSession: false };
    // A stranger in another /24 used up its share; so did the ceiling.
    for (let n = 1; n <= 10; n++) await allowedOf(address, stranger(n), 1);
    expect(await allowedOf(address, { client: from('203.0.113.77'), owner }, 4)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    // The same account named from a network it never signed in from is a stranger (over the ceiling).
    expect(await quota.take(address, { client: from('198.51.100.7'), owner })).toMatchObject({
      allowed: false,
      limit: 10,
    });
    // A network known for one account is not known for another.
    const someoneElse = { userId: '00000000-0000-4000-8000-000000000001', viaOwnSession: false };
    expect(
      await quota.take(fresh(), { client: from('203.0.113.5'), owner: someoneElse }),
    ).toMatchObject({ allowed: true });
    expect(await networks.includes(someoneElse.userId, '203.0.113.5')).toBe(false);
  });

  it('keeps networks as keyed fingerprints: no address in the table', async () => {
    await networks.remember(OWNER_ID, '203.0.113.5');
    await networks.remember(OWNER_ID, '203.0.113.250'); // the same /24: one row
    await networks.remember(OWNER_ID, '2001:db8:1:2:3:4:5:6');
    expect(table.rows.size).toBe(2);
    for (const row of table.rows) expect(row).toMatch(new RegExp(`^${OWNER_ID} [0-9a-f]{64}$`));
    expect(await networks.includes(OWNER_ID, '2001:db8:1:2:ffff::1')).toBe(true); // the same /64
    expect(await networks.includes(OWNER_ID, '2001:db8:1:3::1')).toBe(false);
  });
}

describe('MailQuota in process memory', () => behavesAsTheMailQuota(undefined));

describeRedis('MailQuota in Redis', () => behavesAsTheMailQuota(process.env.REDIS_URL));
