import request from 'supertest';
import { adminToken, bearer, register, sql } from '../support/auth-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * AUDIT_HMAC_KEY rotation: each event records the id of the key it was chained under, so a new key
 * (a new AUDIT_HMAC_KEY_ID, the old key in AUDIT_HMAC_KEYS_PREVIOUS) continues the chain and the
 * whole trail still verifies; without the retired key, the events chained under it do not.
 */
describe('audit key rotation', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const verify = async (t: TestApp) =>
    (
      await request(t.url)
        .get('/api/audit/verify')
        .set(...bearer(await adminToken(t)))
        .expect(200)
    ).body as { valid: boolean; count: number; firstInvalidId: string | null };

  const keyIds = async (t: TestApp) =>
    sql<{ key_id: string; n: number }>(
      t,
      'SELECT key_id, count(*)::int AS n FROM audit_events GROUP BY key_id ORDER BY key_id',
    );

  it('events chained under a retired key still verify beside the new ones; dropping that key breaks them', async () => {
    const before = await startTestApp({}, db);
    const oldKey = before.env.AUDIT_HMAC_KEY;
    await register(before);
    const [first] = await sql<{ id: string }>(
      before,
      'SELECT id FROM audit_events ORDER BY seq LIMIT 1',
    );
    await before.close();

    const newKey = `${oldKey.slice(20)}-rotated-${oldKey.slice(0, 20)}`;
    const rotated = { AUDIT_HMAC_KEY: newKey, AUDIT_HMAC_KEY_ID: 'a2' };
    const during = await startTestApp({ ...rotated, AUDIT_HMAC_KEYS_PREVIOUS: `a1:${oldKey}` }, db);
    try {
      await register(during);
      const result = await verify(during);
      expect(result).toMatchObject({ valid: true, firstInvalidId: null });
      const ids = await keyIds(during);
      expect(ids.map((row) => row.key_id)).toEqual(['a1', 'a2']);
      expect(result.count).toBe(ids.reduce((sum, row) => sum + row.n, 0));
    } finally {
      await during.close();
    }

    const dropped = await startTestApp(rotated, db);
    try {
      expect(await verify(dropped)).toMatchObject({ valid: false, firstInvalidId: first.id });
    } finally {
      await dropped.close();
    }
  });
});
