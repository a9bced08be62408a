import { createHash, randomBytes } from 'node:crypto';
import { RetentionService } from '../../src/retention/retention.service';
import { login, register, RELAXED_LIMITS, sql, type LoggedIn } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const sha256 = (): string => createHash('sha256').update(randomBytes(16)).digest('hex');

/** The ids of `table`'s rows among `ids`, by its key column. */
async function surviving(t: TestApp, table: string, column: string, ids: string[]) {
  const rows = await sql<{ id: string }>(
    t,
    `SELECT ${column}::text AS id FROM ${table} WHERE ${column}::text = ANY($1::text[])`,
    [ids],
  );
  return rows.map((row) => row.id).sort();
}

/** Ended rows go 30 days after they ended; live ones, and recently ended ones, stay. */
describe('retention deletes rows whose purpose ended more than 30 days ago', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
  });
  afterAll(() => t.close());

  const sessionOf = async (user: LoggedIn): Promise<string> => {
    const [row] = await sql<{ id: string }>(
      t,
      'SELECT session_id AS id FROM refresh_tokens WHERE token_hash = $1',
      [createHash('sha256').update(user.refreshToken).digest('hex')],
    );
    return row.id;
  };

  it('sessions revoked or ended over 30 days ago go with their refresh tokens; the rest stay', async () => {
    const account = await register(t);
    const [oldRevoked, oldExpired, recentRevoked, live] = await Promise.all(
      [1, 2, 3, 4].map(async () => sessionOf(await login(t, account))),
    );
    await sql(t, `UPDATE sessions SET revoked_at = now() - interval '31 days' WHERE id = $1`, [
      oldRevoked,
    ]);
    await sql(
      t,
      `UPDATE sessions SET expires_at = now() - interval '31 days', idle_expires_at = now() - interval '40 days'
        WHERE id = $1`,
      [oldExpired],
    );
    await sql(t, `UPDATE sessions SET revoked_at = now() - interval '29 days' WHERE id = $1`, [
      recentRevoked,
    ]);

    const deleted = await t.app.get(RetentionService).prune();

    expect(deleted.sessions).toBeGreaterThanOrEqual(2);
    const all = [oldRevoked, oldExpired, recentRevoked, live];
    expect(await surviving(t, 'sessions', 'id', all)).toEqual([recentRevoked, live].sort());
    expect(await surviving(t, 'refresh_tokens', 'session_id', [oldRevoked, oldExpired])).toEqual(
      [],
    );
  });

  it('links and sign-in steps spent or expired over 30 days ago go; a live link stays', async () => {
    // One unspent link per account and purpose (a partial unique index): an account per row.
    const insert = async (expires: string, spent: string | null) =>
      sql<{ id: string }>(
        t,
        `INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at, spent_at, credentials_version)
         VALUES ($1, 'password_reset', $2, now() + $3::interval, now() + $4::interval, 0)
         RETURNING id::text AS id`,
        [(await register(t)).id, sha256(), expires, spent],
      ).then(([row]) => row.id);
    const oldExpired = await insert('-31 days', null);
    const oldSpent = await insert('-20 days', '-32 days');
    const recentlyExpired = await insert('-29 days', null);
    const live = await insert('1 day', null);

    await t.app.get(RetentionService).prune();

    const all = [oldExpired, oldSpent, recentlyExpired, live];
    expect(await surviving(t, 'account_tokens', 'id', all)).toEqual([recentlyExpired, live].sort());
  });

  it('provider sign-in codes and spent states expired over 30 days ago go; recent ones stay', async () => {
    const account = await register(t);
    const [{ id: identity }] = await sql<{ id: string }>(
      t,
      `INSERT INTO user_identities (user_id, provider, issuer, subject)
       VALUES ($1, 'idp', 'https://idp.example.org', $2) RETURNING id`,
      [account.id, sha256()],
    );
    const [oldCode, recentCode, oldState, recentState] = [sha256(), sha256(), sha256(), sha256()];
    for (const [code, age] of [
      [oldCode, '31 days'],
      [recentCode, '29 days'],
    ])
      await sql(
        t,
        `INSERT INTO provider_sign_in_codes
           (code_hash, binding_hash, user_id, identity_id, credentials_version, expires_at)
         VALUES ($1, $2, $3, $4, 0, now() - $5::interval)`,
        [code, sha256(), account.id, identity, age],
      );
    for (const [state, age] of [
      [oldState, '31 days'],
      [recentState, '29 days'],
    ])
      await sql(
        t,
        'INSERT INTO provider_spent_states (state_hash, expires_at) VALUES ($1, now() - $2::interval)',
        [state, age],
      );

    const deleted = await t.app.get(RetentionService).prune();

    expect(deleted.provider_sign_in_codes).toBeGreaterThanOrEqual(1);
    expect(deleted.provider_spent_states).toBeGreaterThanOrEqual(1);
    expect(
      await surviving(t, 'provider_sign_in_codes', 'code_hash', [oldCode, recentCode]),
    ).toEqual([recentCode]);
    expect(
      await surviving(t, 'provider_spent_states', 'state_hash', [oldState, recentState]),
    ).toEqual([recentState]);
  });

  it("devices unseen for 120 days go, except each account's most recent one", async () => {
    const [a, b] = await Promise.all([register(t), register(t)]);
    const device = (userId: string, seenDaysAgo: number) =>
      sql(
        t,
        `INSERT INTO known_devices (user_id, fingerprint, first_seen_at, last_seen_at)
         VALUES ($1, $2, now() - make_interval(days => $3), now() - make_interval(days => $3))`,
        [userId, sha256(), seenDaysAgo],
      );
    await device(a.id, 200);
    await device(a.id, 150);
    await device(a.id, 10);
    await device(b.id, 200); // b's only device: the baseline for b's next sign-in

    await t.app.get(RetentionService).prune();

    const left = await sql<{ user_id: string; days: number }>(
      t,
      `SELECT user_id::text, round(extract(epoch FROM now() - last_seen_at) / 86400)::int AS days
         FROM known_devices WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, days`,
      [[a.id, b.id]],
    );
    expect(left).toEqual(
      [
        { user_id: a.id, days: 10 },
        { user_id: b.id, days: 200 },
      ].sort((x, y) => x.user_id.localeCompare(y.user_id)),
    );
  });
});
