import { Test } from '@nestjs/testing';
import { fakeTransactions } from '../../test/support/unit-doubles';
import { Transactions } from '../database/transactions';
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
  };
}

describe('AuditService', () => {
  let audit: AuditService;
  let repo: ReturnType<typeof memoryRepository>;

  beforeEach(async () => {
    const tx = fakeTransactions();
    repo = memoryRepository(tx);
    const module = await Test.createTestingModule({
      providers: [
        AuditService,
        { provide: AuditEventRepository, useValue: repo },
        { provide: Transactions, useValue: tx },
      ],
    }).compile();
    audit = module.get(AuditService);
  });

  it('links each event to the previous one, taking the chain lock before reading the head', async () => {
    await audit.record({ type: 'auth.login.success', userId: null });
    await audit.record({ type: 'auth.logout' });
    const [first, second] = repo.rows;
    expect(repo.calls).toEqual(['lock', 'head', 'insert', 'lock', 'head', 'insert']);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toBe(computeAuditHash(GENESIS_HASH, first));
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(computeAuditHash(first.hash, second));
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
