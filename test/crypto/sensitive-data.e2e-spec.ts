import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ReencryptService } from '../../src/key-rotation/reencrypt.service';
import { bearer, registerAndLogin, RELAXED_LIMITS, type LoggedIn } from '../support/auth-helpers';
import { dumpAllRows } from '../support/database-dump';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('hex');
const SSN = '123-45-6789';
const BANK = 'DE89370400440532013000';

const putOn = (app: TestApp, token: string, body: object) =>
  request(app.url)
    .put('/api/users/me/sensitive')
    .set(...bearer(token))
    .send(body);

describe('sensitive fields encrypted at rest', () => {
  let db: TestDatabase;
  let t: TestApp;
  let user: LoggedIn;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k1:${K1}` }, db);
    user = await registerAndLogin(t);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const put = (token: string, body: object) => putOn(t, token, body);

  /** An account of the test's own holding SSN and BANK. */
  async function withValues(): Promise<LoggedIn> {
    const owner = await registerAndLogin(t);
    await put(owner.accessToken, { ssn: SSN, bankAccount: BANK }).expect(204);
    return owner;
  }

  it('stores only ciphertext: a dump of every table holds neither value, with or without dashes', async () => {
    await put(user.accessToken, { ssn: SSN, bankAccount: BANK }).expect(204);
    const admin = db.admin();
    await admin.connect();
    const dump = await dumpAllRows(admin);
    const { rows } = await admin.query(
      'SELECT ssn_encrypted, bank_account_encrypted FROM users WHERE id = $1',
      [user.id],
    );
    await admin.end();
    expect(dump).toContain(user.email); // the dump really holds the user's row
    for (const secret of [SSN, SSN.replace(/-/g, ''), BANK, BANK.toLowerCase()])
      expect(dump).not.toContain(secret);
    expect(rows[0].ssn_encrypted).toMatch(/^v1\.k1\./);
    expect(rows[0].bank_account_encrypted).toMatch(/^v1\.k1\./);
  });

  it('returns masked values', async () => {
    const owner = await withValues();
    const res = await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect(res.body).toEqual({ ssn: '***-**-6789', bankAccount: '****3000' });
  });

  it('reveals clear values only with the right password, and audits it', async () => {
    const owner = await withValues();
    await request(t.url)
      .post('/api/users/me/sensitive/reveal')
      .set(...bearer(owner.accessToken))
      .send({ password: 'Wrong-Password-123!' })
      .expect(401);
    const res = await request(t.url)
      .post('/api/users/me/sensitive/reveal')
      .set(...bearer(owner.accessToken))
      .send({ password: owner.password })
      .expect(200);
    expect(res.body).toEqual({ ssn: SSN, bankAccount: BANK });
  });

  it('validates formats and refuses unknown fields', async () => {
    for (const body of [
      { ssn: '123456789' },
      { ssn: '123-45-678' },
      { bankAccount: 'short' },
      { bankAccount: 'DE89-3704' },
      { iban: BANK },
    ]) {
      const res = await put(user.accessToken, body).expect(400);
      expect(JSON.stringify(res.body)).not.toContain(BANK);
    }
  });

  it('answers null where unset, and null erases', async () => {
    const other = await registerAndLogin(t);
    const empty = await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(other.accessToken))
      .expect(200);
    expect(empty.body).toEqual({ ssn: null, bankAccount: null });
    await put(other.accessToken, { ssn: '987-65-4321' }).expect(204);
    await put(other.accessToken, { ssn: null }).expect(204);
    const after = await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(other.accessToken))
      .expect(200);
    expect(after.body).toEqual({ ssn: null, bankAccount: null });
  });

  it('never yields data from a ciphertext moved to another row, and keeps serving', async () => {
    const victim = await registerAndLogin(t);
    const attacker = await registerAndLogin(t);
    await put(victim.accessToken, { ssn: '555-12-3456' }).expect(204);
    const admin = db.admin();
    await admin.connect();
    await admin.query(
      'UPDATE users SET ssn_encrypted = (SELECT ssn_encrypted FROM users WHERE id = $1) WHERE id = $2',
      [victim.id, attacker.id],
    );
    await admin.end();
    const res = await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(attacker.accessToken))
      .expect(500);
    expect(res.body.message).toBe('Stored data could not be read');
    // The request id is random hex and may itself contain 555.
    expect(JSON.stringify({ ...res.body, requestId: undefined })).not.toContain('555');
    await request(t.url)
      .get('/api/users/me')
      .set(...bearer(attacker.accessToken))
      .expect(200);
    await request(t.url)
      .get('/api/users/me/sensitive')
      .set(...bearer(victim.accessToken))
      .expect(200);
  });
});

describe('sensitive fields across a key rotation', () => {
  it('after a key rotation, reencrypt moves every value to the new key and reveals the same values', async () => {
    // A database of its own: the rotation must not turn the other tests' writes to k2, and its
    // count is of its own values only (no row tampered with by a sibling to repair first).
    const rotated = await createTestDatabase();
    let app = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k1:${K1}` }, rotated);
    try {
      const more = await Promise.all(Array.from({ length: 4 }, () => registerAndLogin(app)));
      for (const [i, u] of more.entries())
        await putOn(app, u.accessToken, {
          ssn: `100-00-000${i}`,
          bankAccount: `ACCT0000${i}XYZ`,
        }).expect(204);

      await app.close();
      app = await startTestApp(
        { ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k2:${K2},k1:${K1}` },
        rotated,
      );
      // Old values stay readable under the rotated keyring before re-encryption.
      const before = await request(app.url)
        .post('/api/auth/login')
        .send({ email: more[0].email, password: more[0].password })
        .expect(200);
      await request(app.url)
        .get('/api/users/me/sensitive')
        .set(...bearer(before.body.accessToken))
        .expect(200);

      const progress = await app.app.get(ReencryptService).run();
      // Four accounts with two fields each, and the token signing key's private key.
      expect(progress.rewritten).toBe(9);
      expect((await app.app.get(ReencryptService).run()).rewritten).toBe(0); // idempotent

      const check = rotated.admin();
      await check.connect();
      const { rows } = await check.query<{
        ssn_encrypted: string | null;
        bank_account_encrypted: string | null;
      }>('SELECT ssn_encrypted, bank_account_encrypted FROM users');
      await check.end();
      for (const row of rows) {
        for (const token of [row.ssn_encrypted, row.bank_account_encrypted])
          if (token) expect(token).toMatch(/^v1\.k2\./);
      }
      for (const [i, u] of more.entries()) {
        const login = await request(app.url)
          .post('/api/auth/login')
          .send({ email: u.email, password: u.password })
          .expect(200);
        const res = await request(app.url)
          .post('/api/users/me/sensitive/reveal')
          .set(...bearer(login.body.accessToken))
          .send({ password: u.password })
          .expect(200);
        expect(res.body).toEqual({ ssn: `100-00-000${i}`, bankAccount: `ACCT0000${i}XYZ` });
      }
    } finally {
      await app.close();
      await rotated.drop();
    }
  });
});
