import request from 'supertest';
import { GENESIS_HASH, computeAuditHash } from '../../src/audit/audit-hash';
import { hashedFieldsOf, type AuditEventRow } from './audit-rows';
import { DataSource } from 'typeorm';
import { adminToken, bearer, login, refreshWith, register, sql } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * What the audit trail resists (docs/AUDIT-TRAIL.md): the application's own role cannot rewrite
 * it, a superuser who deletes the newest events is caught by the anchor kept outside the database,
 * and a consistent rewrite without AUDIT_HMAC_KEY does not verify.
 */
describe('audit trail against tampering', () => {
  let t: TestApp;
  let admin: string;
  // A fresh chain for each tampering: one must not hide behind another.
  beforeEach(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '100000', AUTH_RATE_LIMIT_MAX: '100000' });
    admin = await adminToken(t);
    const user = await login(t, await register(t));
    await refreshWith(t, user.refreshToken).expect(200);
  });
  afterEach(() => t.close());

  const verify = async () =>
    (
      await request(t.url)
        .get('/api/audit/verify')
        .set(...bearer(admin))
        .expect(200)
    ).body as { valid: boolean; count: number; firstInvalidId: string | null };

  /** Runs `statements` as a superuser in one transaction, with the audit triggers off. */
  async function asSuperuser(
    work: (q: (text: string, params?: unknown[]) => Promise<unknown>) => Promise<void>,
  ) {
    const superuser = t.db.admin();
    await superuser.connect();
    try {
      await superuser.query('BEGIN');
      await superuser.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await work((text, params) => superuser.query(text, params));
      await superuser.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
      await superuser.query('COMMIT');
    } finally {
      await superuser.end();
    }
  }

  it("the application's role cannot disable the trigger and delete events, even in one transaction", async () => {
    await expect(
      t.app.get(DataSource).transaction(async (manager) => {
        await manager.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
        await manager.query(
          'DELETE FROM audit_events WHERE seq > (SELECT max(seq) - 5 FROM audit_events)',
        );
      }),
    ).rejects.toThrow(/must be owner/);
    expect((await verify()).valid).toBe(true);
  });

  it('deleting the newest events (a reuse detection among them) as a superuser is detected', async () => {
    const user = await login(t, await register(t));
    await refreshWith(t, user.refreshToken).expect(200);
    await refreshWith(t, user.refreshToken).expect(401); // reuse: auth.refresh.reuse_detected
    expect(await verify()).toMatchObject({ valid: true, firstInvalidId: null });
    const [newest] = await sql<{ type: string }>(
      t,
      'SELECT type FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    expect(newest.type).toBe('auth.refresh.reuse_detected');

    await asSuperuser(async (q) => {
      await q('DELETE FROM audit_events WHERE seq > (SELECT max(seq) - 5 FROM audit_events)');
    });
    const result = await verify();
    expect(result.valid).toBe(false);
    const left = await sql(
      t,
      "SELECT 1 FROM audit_events WHERE type = 'auth.refresh.reuse_detected'",
    );
    expect(left).toEqual([]);
  });

  /** Rewrites every event's hash as someone with the database but not the key can: plain SHA-256. */
  async function rechainWithoutKey(keyed: boolean): Promise<void> {
    await asSuperuser(async (q) => {
      const { rows } = (await q('SELECT * FROM audit_events ORDER BY seq')) as {
        rows: AuditEventRow[];
      };
      let prev: string = rows[0]?.prev_hash ?? GENESIS_HASH;
      for (const row of rows) {
        const fields = {
          ...hashedFieldsOf(row),
          metadata: { ...(row.metadata as object), rewritten: true },
        };
        const hash = computeAuditHash(prev, fields, null);
        // prev_hash is unique: park each row's on a placeholder first, link them all afterwards.
        await q(
          'UPDATE audit_events SET prev_hash = $1, hash = $2, keyed = $3, metadata = $4 WHERE id = $5',
          [String(row.seq).padStart(64, 'e'), hash, keyed, JSON.stringify(fields.metadata), row.id],
        );
        row.newPrev = prev as never;
        prev = hash;
      }
      for (const row of rows)
        await q('UPDATE audit_events SET prev_hash = $1 WHERE id = $2', [row.newPrev, row.id]);
    });
  }

  it('a chain rewritten consistently without AUDIT_HMAC_KEY does not verify', async () => {
    const [first] = await sql<{ id: string }>(
      t,
      'SELECT id FROM audit_events ORDER BY seq LIMIT 1',
    );
    await rechainWithoutKey(true);
    expect(await verify()).toMatchObject({ valid: false, firstInvalidId: first.id });
  });

  it('a chain passed off as written before the key existed is caught by the anchor', async () => {
    await rechainWithoutKey(false);
    expect((await verify()).valid).toBe(false);
  });
});
