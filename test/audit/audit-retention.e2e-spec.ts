import { DataSource } from 'typeorm';
import { computeAuditHash, GENESIS_HASH } from '../../src/audit/audit-hash';
import { hashedFieldsOf } from './audit-rows';
import { AuditAnchor } from '../../src/audit/audit-anchor';
import { AuditRetentionService } from '../../src/audit/audit-retention.service';
import { AuditService } from '../../src/audit/audit.service';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Test-only: moves the first `count` events `days` into the past and re-hashes the whole chain as a
 * superuser with the triggers off, with the app's AUDIT_HMAC_KEY, which is the only way to get a
 * valid chain of old events.
 */
async function backdate(t: TestApp, count: number, days: number): Promise<void> {
  const admin = t.db.admin();
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await admin.query(
      `UPDATE audit_events SET created_at = created_at - make_interval(days => $1)
       WHERE seq IN (SELECT seq FROM audit_events ORDER BY seq LIMIT $2)`,
      [days, count],
    );
    const { rows } = await admin.query('SELECT * FROM audit_events ORDER BY seq');
    let prev = rows[0]?.prev_hash ?? GENESIS_HASH;
    for (const row of rows) {
      const hash = computeAuditHash(prev, hashedFieldsOf(row), t.env.AUDIT_HMAC_KEY);
      await admin.query('UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE id = $3', [
        String(row.seq).padStart(64, 'e'),
        hash,
        row.id,
      ]);
      row.newPrev = prev;
      prev = hash;
    }
    // Second pass: the unique prev_hash forbids two rows briefly sharing a predecessor.
    for (const row of rows)
      await admin.query('UPDATE audit_events SET prev_hash = $1 WHERE id = $2', [
        row.newPrev,
        row.id,
      ]);
    await admin.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await admin.query('COMMIT');
    // The head's hash changed with the rewrite: anchor the rewritten head, as the app would have.
    const head = rows[rows.length - 1];
    t.app.get(AuditAnchor).record({ seq: String(head.seq), hash: prev });
  } catch (error) {
    await admin.query('ROLLBACK');
    throw error;
  } finally {
    await admin.end();
  }
}

describe('audit retention', () => {
  let t: TestApp;
  let audit: AuditService;
  let retention: AuditRetentionService;
  let dataSource: DataSource;

  // A fresh database per test: every rule here is about the whole chain, so none may inherit
  // another test's events, checkpoints or deletions.
  beforeEach(async () => {
    // HS256: no signing key is made (and audited) at start, so the chain holds this spec's events only.
    t = await startTestApp({ AUDIT_RETENTION_DAYS: '30', JWT_ALGORITHM: 'HS256' });
    audit = t.app.get(AuditService);
    retention = t.app.get(AuditRetentionService);
    dataSource = t.app.get(DataSource);
  });
  afterEach(() => t.close());

  const count = async (): Promise<number> =>
    (await dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM audit_events'))[0]
      .n;

  /** Eight events, the first four 40 days old, then one prune: four recent events + a checkpoint. */
  async function oldPrefixPruned(): Promise<void> {
    for (let i = 0; i < 8; i++) await audit.record({ type: 'auth.login.success', metadata: { i } });
    await backdate(t, 4, 40);
    expect(await retention.prune(new Date())).toMatchObject({ pruned: 4 });
    expect(await count()).toBe(5);
  }

  it('prunes nothing while every event is within the retention period', async () => {
    for (let i = 0; i < 5; i++) await audit.record({ type: 'auth.login.success', metadata: { i } });
    expect(await retention.prune(new Date())).toMatchObject({ pruned: 0, checkpointId: null });
    expect(await count()).toBe(5);
  });

  it('deletes the old prefix after a checkpoint, and the remaining chain still verifies', async () => {
    for (let i = 0; i < 8; i++) await audit.record({ type: 'auth.login.success', metadata: { i } });
    await backdate(t, 4, 40);
    expect(await audit.verify()).toEqual({ valid: true, count: 8, firstInvalidId: null });
    const [fourth] = await dataSource.query(
      'SELECT seq, hash FROM audit_events ORDER BY seq OFFSET 3 LIMIT 1',
    );

    const result = await retention.prune(new Date());
    expect(result.pruned).toBe(4);
    expect(await count()).toBe(5); // 4 recent + the checkpoint

    const [checkpoint] = await dataSource.query(
      "SELECT * FROM audit_events WHERE type = 'audit.pruned'",
    );
    expect(checkpoint.id).toBe(result.checkpointId);
    expect(checkpoint.metadata).toMatchObject({
      prunedThroughSeq: fourth.seq,
      prunedThroughHash: fourth.hash,
      prunedCount: 4,
      retentionDays: 30,
    });
    const [first] = await dataSource.query(
      'SELECT prev_hash FROM audit_events ORDER BY seq LIMIT 1',
    );
    expect(first.prev_hash).toBe(fourth.hash);
    expect(await audit.verify()).toEqual({ valid: true, count: 5, firstInvalidId: null });
  });

  it('keeps the chain verifiable across a second prune that removes the first checkpoint', async () => {
    await oldPrefixPruned();
    await backdate(t, 5, 40); // everything, including the first checkpoint, is now old
    await audit.record({ type: 'auth.logout' });
    const result = await retention.prune(new Date());
    expect(result.pruned).toBe(5);
    expect(await audit.verify()).toEqual({ valid: true, count: 2, firstInvalidId: null });
  });

  it('reports a chain whose head was deleted without a checkpoint', async () => {
    await oldPrefixPruned();
    const [first] = await dataSource.query('SELECT id, seq FROM audit_events ORDER BY seq LIMIT 1');
    const admin = t.db.admin();
    await admin.connect();
    try {
      await admin.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await admin.query('DELETE FROM audit_events WHERE id = $1', [first.id]);
      await admin.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    } finally {
      await admin.end();
    }
    const [next] = await dataSource.query('SELECT id FROM audit_events ORDER BY seq LIMIT 1');
    expect(await audit.verify()).toMatchObject({ valid: false, firstInvalidId: next.id });
  });
});
