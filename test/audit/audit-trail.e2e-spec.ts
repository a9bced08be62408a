import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { Transactions } from '../../src/database/transactions';
import { runCli } from '../../src/cli/main';
import { startTestApp, type TestApp } from '../support/test-app';

const client = { ip: '203.0.113.7', userAgent: 'audit-e2e', requestId: 'req-audit-1' };

async function startAuditApp(): Promise<{
  t: TestApp;
  audit: AuditService;
  dataSource: DataSource;
}> {
  const t = await startTestApp();
  return { t, audit: t.app.get(AuditService), dataSource: t.app.get(DataSource) };
}

describe('audit trail (real PostgreSQL)', () => {
  let t: TestApp;
  let audit: AuditService;
  let dataSource: DataSource;

  beforeAll(async () => ({ t, audit, dataSource } = await startAuditApp()));
  afterAll(() => t.close());

  it('connects as a non-superuser role', async () => {
    const [row] = await dataSource.query(
      'SELECT current_user AS "user", usesuper FROM pg_user WHERE usename = current_user',
    );
    expect(row).toEqual({ user: 'app', usesuper: false });
  });

  it('record() stores a row with ip, user agent, request id, time and a chained hash', async () => {
    const before = Date.now();
    await audit.record({
      type: 'auth.login.success',
      userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      client: { ...client, requestId: 'req-record' },
      metadata: { method: 'password' },
    });
    const [row] = await dataSource.query(
      "SELECT * FROM audit_events WHERE request_id = 'req-record'",
    );
    // The event before it in the chain, or the genesis value when it is the first (test order).
    const [previous] = await dataSource.query(
      'SELECT hash FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT 1',
      [row.seq],
    );
    expect(row).toMatchObject({
      type: 'auth.login.success',
      user_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      ip: '203.0.113.7',
      user_agent: 'audit-e2e',
      metadata: { method: 'password' },
      prev_hash: previous?.hash ?? '0'.repeat(64),
    });
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    const createdAt = (row.created_at as Date).getTime();
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('strips secrets from metadata at any depth', async () => {
    await audit.record({
      type: 'user.sensitive.updated',
      client: { ...client, requestId: 'req-secret' },
      metadata: {
        fields: ['ssn'],
        nested: {
          password: 'hunter2-Secret!',
          deeper: { refresh_token: 'rt-123', SSN: '123-45-6789' },
        },
      },
    });
    const [row] = await dataSource.query(
      "SELECT metadata::text AS m FROM audit_events WHERE request_id = 'req-secret'",
    );
    for (const secret of ['hunter2-Secret!', 'rt-123', '123-45-6789'])
      expect(row.m).not.toContain(secret);
    expect(JSON.parse(row.m).fields).toEqual(['ssn']);
  });

  it('records inside the caller transaction: a rollback leaves no event and no broken chain', async () => {
    await expect(
      t.app.get(Transactions).run(async () => {
        await audit.record({
          type: 'user.password.changed',
          client: { ...client, requestId: 'req-rolled-back' },
        });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    const rows = await dataSource.query(
      "SELECT 1 FROM audit_events WHERE request_id = 'req-rolled-back'",
    );
    expect(rows).toHaveLength(0);
    await audit.record({ type: 'auth.logout', client });
    expect(await audit.verify()).toMatchObject({ valid: true, firstInvalidId: null });
  });

  it('gives the application role no UPDATE, DELETE or TRUNCATE on audit_events', async () => {
    for (const statement of [
      "UPDATE audit_events SET metadata = '{}'::jsonb",
      'DELETE FROM audit_events',
      'TRUNCATE audit_events',
    ])
      await expect(dataSource.query(statement)).rejects.toThrow(/permission denied/);
  });

  it('lets the application role neither disable the triggers nor take the table', async () => {
    await expect(dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER USER')).rejects.toThrow(
      /must be owner/,
    );
    await expect(
      dataSource.query('ALTER TABLE audit_events OWNER TO CURRENT_USER'),
    ).rejects.toThrow(/must be owner/);
  });

  it('binds the schema owner by the append-only triggers too, pruning flag or not', async () => {
    await audit.record({ type: 'auth.logout', client }); // row triggers fire only on rows
    const owner = t.db.owner();
    await owner.connect();
    try {
      await expect(owner.query("UPDATE audit_events SET metadata = '{}'::jsonb")).rejects.toThrow(
        /append-only: UPDATE/,
      );
      await expect(owner.query('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
      await owner.query('BEGIN');
      await owner.query(
        "SELECT set_config('audit.pruning', 'on', true), set_config('audit.prune_cutoff', '2999-01-01T00:00:00Z', true)",
      );
      await expect(owner.query('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
      await owner.query('ROLLBACK');
    } finally {
      await owner.end();
    }
  });

  it('chains 50 concurrent record() calls in order', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        audit.record({
          type: 'auth.refresh',
          client: { ...client, requestId: `req-c-${i}` },
          metadata: { i },
        }),
      ),
    );
    const result = await audit.verify();
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM audit_events');
    expect(result).toEqual({ valid: true, count, firstInvalidId: null });
    const [{ forks }] = await dataSource.query(
      'SELECT count(*) - count(DISTINCT prev_hash) AS forks FROM audit_events',
    );
    expect(Number(forks)).toBe(0);
  });

  it('CLI audit:verify exits 0 on a valid chain', async () => {
    const out: string[] = [];
    const code = await runCli(['audit:verify'], t.env, {
      stdout: (s) => out.push(s),
      stderr: (s) => out.push(s),
    });
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/audit chain valid: \d+ events verified/);
  });

  it('CLI rejects an unknown command with usage and exit 1', async () => {
    const out: string[] = [];
    expect(
      await runCli(['nope'], t.env, { stdout: (s) => out.push(s), stderr: (s) => out.push(s) }),
    ).toBe(1);
    expect(out.join('')).toContain('audit:verify');
  });
});

/** A chain broken on purpose gets an app and database of its own: the tests above need it valid. */
describe('audit trail tampering (real PostgreSQL)', () => {
  let t: TestApp;
  let audit: AuditService;
  let dataSource: DataSource;

  beforeAll(async () => ({ t, audit, dataSource } = await startAuditApp()));
  afterAll(() => t.close());

  it('detects a row altered behind the triggers, naming it (verify() and CLI exit 2)', async () => {
    for (let i = 0; i < 8; i++)
      await audit.record({ type: 'auth.refresh', client: { ...client, requestId: `req-t-${i}` } });
    const [victim] = await dataSource.query(
      'SELECT id FROM audit_events ORDER BY seq OFFSET 5 LIMIT 1',
    );
    const admin = t.db.admin();
    await admin.connect();
    try {
      await admin.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await admin.query(`UPDATE audit_events SET metadata = '{"i": 999}'::jsonb WHERE id = $1`, [
        victim.id,
      ]);
      await admin.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    } finally {
      await admin.end();
    }
    const result = await audit.verify();
    expect(result).toMatchObject({ valid: false, firstInvalidId: victim.id });

    const out: string[] = [];
    const code = await runCli(['audit:verify'], t.env, {
      stdout: (s) => out.push(s),
      stderr: (s) => out.push(s),
    });
    expect(code).toBe(2);
    expect(out.join('')).toContain(victim.id);
  });
});
