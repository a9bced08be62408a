import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { FieldCipher } from '../../src/crypto/field-cipher.service';
import { Keyring } from '../../src/crypto/keyring';
import { ReencryptService } from '../../src/key-rotation/reencrypt.service';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import {
  bearer,
  registerAndLogin,
  RELAXED_LIMITS,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  awayFromStepEdge,
  codeAt,
  enrolTotp,
  passwordStep,
  verify,
  type Enrolled,
} from '../mfa/mfa-helpers';

const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('hex');
const DAY_AHEAD = "now() + interval '1 day'";

/** Every encrypted column of the schema, as `table.column`, with its ciphertext's key id. */
async function keyIdsOfEveryCiphertext(t: TestApp): Promise<Record<string, string[]>> {
  const rows = await sql<{ place: string; key_id: string }>(
    t,
    `SELECT 'users.ssn_encrypted' AS place, split_part(ssn_encrypted, '.', 2) AS key_id
       FROM users WHERE ssn_encrypted IS NOT NULL
     UNION ALL SELECT 'users.bank_account_encrypted', split_part(bank_account_encrypted, '.', 2)
       FROM users WHERE bank_account_encrypted IS NOT NULL
     UNION ALL SELECT 'mfa_totp.secret', split_part(secret, '.', 2) FROM mfa_totp
     UNION ALL SELECT 'mail_outbox.content', split_part(content, '.', 2)
       FROM mail_outbox WHERE content IS NOT NULL
     UNION ALL SELECT 'signing_keys.private_key', split_part(private_key, '.', 2)
       FROM signing_keys`,
  );
  const byPlace: Record<string, string[]> = {};
  for (const row of rows) (byPlace[row.place] ??= []).push(row.key_id);
  return byPlace;
}

/**
 * Key rotation reaches every encrypted column, not only the users' sensitive fields: once
 * `reencrypt` has run, the old key can leave the keyring and TOTP sign-in and queued mail still work.
 */
describe('reencrypt moves every encrypted column to the active key', () => {
  let db: TestDatabase;
  let t: TestApp;
  let user: LoggedIn;
  let totp: Enrolled;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k1:${K1}` }, db);
    user = await registerAndLogin(t);
    await awayFromStepEdge(20_000);
    totp = await enrolTotp(t, user);
    const signedIn = await verify(t, {
      mfaToken: await passwordStep(t, user),
      code: codeAt(totp.secret),
    }).expect(200);
    await request(t.url)
      .put('/api/users/me/sensitive')
      .set(...bearer(signedIn.body.accessToken as string))
      .send({ ssn: '123-45-6789', bankAccount: 'DE89370400440532013000' })
      .expect(204);
    // A queued mail that no worker takes before the rotation (its next try is a day away).
    await t.app.get(OutboxRepository).enqueue({
      purpose: 'test',
      recipient: user.email,
      subject: 'queued under k1',
      content: { text: 'queued text', html: '<p>queued</p>' },
      messageIdDomain: 'example.org',
    });
    await sql(t, `UPDATE mail_outbox SET next_attempt_at = ${DAY_AHEAD} WHERE subject = $1`, [
      'queued under k1',
    ]);
    await t.close();
    t = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k2:${K2},k1:${K1}` }, db);
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('rewrites the TOTP secret and the queued mail as well as the sensitive fields, then finds nothing left', async () => {
    const before = await keyIdsOfEveryCiphertext(t);
    expect(before['mfa_totp.secret']).toEqual(['k1']);
    expect(before['mail_outbox.content']).toEqual(['k1']);

    const run = await t.app.get(ReencryptService).run();
    // The account's sensitive row, its TOTP secret, the queued mail and the token signing key.
    expect(run).toMatchObject({ done: 4, total: 4, interrupted: false });
    expect(run.rewritten).toBeGreaterThanOrEqual(2);

    const after = await keyIdsOfEveryCiphertext(t);
    expect(Object.keys(after)).toEqual(
      expect.arrayContaining([
        'mfa_totp.secret',
        'mail_outbox.content',
        'signing_keys.private_key',
      ]),
    );
    for (const keyIds of Object.values(after)) expect(new Set(keyIds)).toEqual(new Set(['k2']));
    expect(await t.app.get(ReencryptService).run()).toMatchObject({ total: 0, rewritten: 0 });
  });

  it('the rewritten values decrypt under the new key alone to what they held', async () => {
    const k2Only = new FieldCipher(new Keyring([{ id: 'k2', key: Buffer.from(K2, 'hex') }]));
    const [row] = await sql<{ id: string; content: string }>(
      t,
      `SELECT id, content FROM mail_outbox WHERE subject = 'queued under k1'`,
    );
    const content = k2Only.decrypt(row.content, {
      table: 'mail_outbox',
      column: 'content',
      rowId: row.id,
    });
    expect(JSON.parse(content)).toEqual({ text: 'queued text', html: '<p>queued</p>' });
  });

  it('with the old key gone from the keyring, the TOTP second step still signs in', async () => {
    await t.close();
    t = await startTestApp({ ...RELAXED_LIMITS, ENCRYPTION_KEYS: `k2:${K2}` }, db);
    const signedIn = await verify(t, {
      mfaToken: await passwordStep(t, user),
      code: codeAt(totp.secret, 1),
    }).expect(200);
    expect(signedIn.body.accessToken).toEqual(expect.any(String));
  });
});
