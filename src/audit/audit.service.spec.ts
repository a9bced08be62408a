import { Test } from '@nestjs/testing';
import { fakeTransactions } from '../../test/support/unit-doubles';
import { sectionProviders } from '../config/config-of';
import { Env } from '../config/env.schema';
import { Transactions } from '../database/transactions';
import { MetricsService } from '../observability/metrics.service';
import { AuditAnchor, type ChainAnchor } from './audit-anchor';
import type { AuditEvent } from './audit-event.entity';
import { AuditEventRepository } from './audit-event.repository';
import { computeAuditHash, GENESIS_HASH } from './audit-hash';
import { AuditService } from './audit.service';

/** An in-memory audit_events table behind the repository's interface. */
function memoryRepository(tx: ReturnType<typeof fakeTransactions>) {
  const rows: AuditEvent[] = [];
  const calls: string[] = [];
  return {
    rows,
    calls,
    lockChain: jest.fn(async () => {
      expect(tx.inTransaction()).toBe(true);
      calls.push('lock');
    }),
    head: jest.fn(async () => {
      calls.push('head');
      return {
        prevHash: rows.at(-1)?.hash ?? null,
        now: new Date(Date.UTC(2026, 0, rows.length + 1)),
      };
    }),
    insert: jest.fn(async (event: Omit<AuditEvent, 'seq'>) => {
      calls.push('insert');
      const row = { ...event, seq: String(rows.length + 1) };
      rows.push(row);
      return row;
    }),
    batchAfter: jest.fn(async (after: string, limit: number) =>
      rows.filter((r) => Number(r.seq) > Number(after)).slice(0, limit),
    ),
    isPruneAnchor: jest.fn(async (_hash: string, _seq: string) => false),
    isPruned: jest.fn(async (_seq: string) => false),
  };
}

const KEY = 'audit-key-'.repeat(4);

/** The anchor kept outside the database, as a variable. */
function memoryAnchor() {
  let stored: ChainAnchor | undefined;
  return {
    record: jest.fn((head: ChainAnchor) => void (stored = head)),
    latest: jest.fn(async () => stored),
  };
}

describe('AuditService', () => {
  let audit: AuditService;
  let repo: ReturnType<typeof memoryRepository>;
  let anchor: ReturnType<typeof memoryAnchor>;
  const metrics = { countAuditEvent: jest.fn() };

  beforeEach(async () => {
    const tx = { ...fakeTransactions(), afterCommit: (callback: () => void) => callback() };
    repo = memoryRepository(tx);
    anchor = memoryAnchor();
    const module = await Test.createTestingModule({
      providers: [
        AuditService,
        { provide: AuditEventRepository, useValue: repo },
        { provide: Transactions, useValue: tx },
        { provide: AuditAnchor, useValue: anchor },
        { provide: MetricsService, useValue: metrics },
        ...sectionProviders(Object.assign(new Env(), { AUDIT_HMAC_KEY: KEY })),
      ],
    }).compile();
    audit = module.get(AuditService);
  });

  it('links each event to the previous one under the key, taking the chain lock before reading the head', async () => {
    await audit.record({ type: 'auth.login.success', userId: null });
    await audit.record({ type: 'auth.logout' });
    const [first, second] = repo.rows;
    expect(repo.calls).toEqual(['lock', 'head', 'insert', 'lock', 'head', 'insert']);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toBe(computeAuditHash(GENESIS_HASH, first, KEY));
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(computeAuditHash(first.hash, second, KEY));
    expect([first.keyed, second.keyed]).toEqual([true, true]);
  });

  it('anchors the new head outside the database and counts the event once it has committed', async () => {
    await audit.record({ type: 'auth.logout' });
    await audit.record({ type: 'auth.login.failure' });
    expect(anchor.record).toHaveBeenLastCalledWith({ seq: '2', hash: repo.rows[1].hash });
    expect(metrics.countAuditEvent).toHaveBeenLastCalledWith('auth.login.failure');
  });

  it('verify reports deleted newest events: the anchored head is gone', async () => {
    for (let i = 0; i < 5; i++) await audit.record({ type: 'auth.refresh', metadata: { i } });
    await expect(audit.verify()).resolves.toEqual({ valid: true, count: 5, firstInvalidId: null });
    repo.rows.splice(3, 2);
    await expect(audit.verify()).resolves.toEqual({ valid: false, count: 3, firstInvalidId: null });
  });

  it('verify refuses a chain rewritten consistently without the key', async () => {
    for (let i = 0; i < 3; i++) await audit.record({ type: 'auth.refresh', metadata: { i } });
    let prev = GENESIS_HASH;
    for (const row of repo.rows) {
      row.metadata = { forged: true };
      row.prevHash = prev;
      row.hash = computeAuditHash(prev, row, 'a guessed key that is not the real one');
      prev = row.hash;
    }
    expect((await audit.verify()).firstInvalidId).toBe(repo.rows[0].id);
  });

  it('accepts unkeyed events before the first keyed one, never after it', async () => {
    await audit.record({ type: 'auth.refresh' });
    const first = repo.rows[0];
    first.keyed = false;
    first.hash = computeAuditHash(first.prevHash, first, null);
    await audit.record({ type: 'auth.refresh' });
    await expect(audit.verify()).resolves.toMatchObject({ valid: true, count: 2 });
    await audit.record({ type: 'auth.refresh' });
    const third = repo.rows[2];
    third.keyed = false;
    third.hash = computeAuditHash(third.prevHash, third, null);
    anchor.record({ seq: third.seq, hash: third.hash });
    expect((await audit.verify()).firstInvalidId).toBe(third.id);
  });

  it('records the active key id; an event that records none was chained under "a1"', async () => {
    await audit.record({ type: 'auth.refresh' });
    expect(repo.rows[0].keyId).toBe('a1');
    repo.rows[0].keyId = null; // as events from before key ids
    await audit.record({ type: 'auth.refresh' });
    await expect(audit.verify()).resolves.toMatchObject({ valid: true, count: 2 });
    repo.rows[0].keyId = 'a9'; // a key that is not configured: cannot verify
    expect((await audit.verify()).firstInvalidId).toBe(repo.rows[0].id);
  });

  it('redacts secrets from metadata before hashing and storing', async () => {
    await audit.record({
      type: 'user.password.changed',
      metadata: { password: 'hunter2', nested: { refreshToken: 'rt' }, count: 2 },
    });
    expect(JSON.stringify(repo.rows[0].metadata)).not.toMatch(/hunter2|"rt"/);
    expect(repo.rows[0].metadata.count).toBe(2);
  });

  it('verify accepts an intact chain and names the first altered event', async () => {
    for (let i = 0; i < 4; i++) await audit.record({ type: 'auth.refresh', metadata: { i } });
    await expect(audit.verify()).resolves.toEqual({ valid: true, count: 4, firstInvalidId: null });
    repo.rows[2].metadata = { i: 99 };
    await expect(audit.verify()).resolves.toEqual({
      valid: false,
      count: 4,
      firstInvalidId: repo.rows[2].id,
    });
  });

  it('verify refuses a chain whose first event is neither the genesis nor anchored by a prune checkpoint', async () => {
    for (let i = 0; i < 3; i++) await audit.record({ type: 'auth.refresh', metadata: { i } });
    const removed = repo.rows.shift() as AuditEvent;
    expect((await audit.verify()).firstInvalidId).toBe(repo.rows[0].id);
    repo.isPruneAnchor.mockImplementation(async (hash: string) => hash === removed.hash);
    await expect(audit.verify()).resolves.toMatchObject({ valid: true, count: 2 });
  });
});
