import request from 'supertest';
import { DataSource } from 'typeorm';
import { ACCOUNT_ACCEPTED } from '../../src/account/account-errors';
import { DUPLICATE_ACCOUNT, USERNAME_TAKEN } from '../../src/users/users.service';
import { newUser, sql, type TestUser } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { eventually } from '../support/mail-context';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
  APP_URL,
  auditEvents,
  clientIpOf,
  linkToken,
  outboxPurposes,
  post,
  registerAcceptedFrom,
  settleDeferred,
  startLifecycleSuite,
  stopLifecycleSuite,
} from './lifecycle-helpers';

jest.setTimeout(60_000);

const ATTEMPT_SUBJECT = 'Someone tried to register with your email address on Example App';

/** Headers of a response that may differ between any two requests. */
const PER_REQUEST = ['date', 'x-request-id', 'ratelimit-reset', 'ratelimit-remaining'];

function shapeOf(res: { status: number; body: unknown; headers: Record<string, unknown> }) {
  const headers = Object.keys(res.headers)
    .filter((h) => !PER_REQUEST.includes(h))
    .sort()
    .map((h) => `${h}: ${String(res.headers[h])}`);
  return { status: res.status, body: res.body, headers };
}

/** Every origin a mail's text and HTML point at. */
function originsIn(mail: ReceivedMail): Set<string> {
  const html = String(mail.parsed.html).replaceAll('&#x3D;', '=');
  return new Set(
    [...`${mail.parsed.text}\n${html}`.matchAll(/https?:\/\/[\w.:-]+/g)].map((m) => m[0]),
  );
}

describe('registration without enumeration (REQUIRE_VERIFIED_EMAIL=true, real SMTP)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(
    async () => ({ smtp, t } = await startLifecycleSuite({ REQUIRE_VERIFIED_EMAIL: 'true' })),
  );
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  /** POST /register, then the work its 202 leaves for after the answer (the address and its writes). */
  const register = async (body: object): Promise<request.Response> => {
    const res = await post(t, '/api/auth/register', body);
    await settleDeferred(t);
    return res;
  };

  /** An account whose address is verified (it can sign in), its verification mail consumed. */
  async function verifiedOwner(): Promise<TestUser> {
    const owner = await registerAcceptedFrom(t);
    const token = linkToken(await smtp.nextMessage(owner.email), '/verify-email');
    await post(t, '/api/auth/email/verify', { token }).expect(204);
    return owner;
  }

  /** The columns an attempt on the address must leave alone. */
  const accountRow = async (id: string) =>
    sql(
      t,
      `SELECT email, username, password_hash, credentials_version, email_verified, is_active,
              birth_date::text, updated_at FROM users WHERE id = $1`,
      [id],
    );

  const usersNamed = async (username: string): Promise<number> => {
    const [{ n }] = await sql<{ n: number }>(
      t,
      'SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)',
      [username],
    );
    return n;
  };

  it('answers a new and a taken address with the same 202, body and headers', async () => {
    const owner = await verifiedOwner();
    const fresh = await register(newUser());
    const taken = await register({ ...newUser(), email: owner.email });
    expect(fresh.status).toBe(202);
    expect(fresh.body).toEqual({ message: ACCOUNT_ACCEPTED.REGISTRATION });
    expect(shapeOf(taken)).toEqual(shapeOf(fresh));
  });

  it('mails the owner of a taken address about the attempt, quoting nothing typed, and changes nothing', async () => {
    const owner = await verifiedOwner();
    const before = await accountRow(owner.id);
    const attempt = { ...newUser(), email: `  ${owner.email.toUpperCase()} ` };
    expect((await register(attempt)).status).toBe(202);

    const mail = await smtp.nextMessage(owner.email);
    expect(mail.parsed.subject).toBe(ATTEMPT_SUBJECT);
    expect(mail.parsed.text).toContain(`Hello ${owner.username},`);
    expect(mail.parsed.text).toMatch(/sign in at https:\/\/app\.example\.org/);
    const everything = `${mail.parsed.subject}\n${mail.parsed.text}\n${String(mail.parsed.html)}`;
    for (const typed of [attempt.username, attempt.password, attempt.birthDate])
      expect(everything).not.toContain(typed);
    expect(everything).not.toMatch(/token=/);
    expect(originsIn(mail)).toEqual(new Set([APP_URL]));

    expect(await accountRow(owner.id)).toEqual(before);
    expect(await usersNamed(attempt.username)).toBe(0);
    expect(await outboxPurposes(t, owner.email)).toEqual(['verify-email', 'registration-attempt']);
    await post(t, '/api/auth/login', { email: owner.email, password: owner.password }).expect(200);
    await post(t, '/api/auth/login', { email: owner.email, password: attempt.password }).expect(
      401,
    );

    const events = await auditEvents(t, 'auth.register.address_taken', owner.id);
    expect(events).toEqual([{ metadata: { mailed: true } }]);
  });

  it('a new address gets the verification link, and can verify and sign in', async () => {
    const account = newUser();
    expect((await register(account)).status).toBe(202);
    const token = linkToken(await smtp.nextMessage(account.email), '/verify-email');
    const [{ id }] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email = $1', [
      account.email,
    ]);
    expect(await auditEvents(t, 'auth.register', id)).toHaveLength(1);
    const unverified = { email: account.email, password: account.password };
    expect(expectErrorBody(await post(t, '/api/auth/login', unverified), 403).message).toBe(
      'email not verified',
    );
    await post(t, '/api/auth/email/verify', { token }).expect(204);
    const session = await post(t, '/api/auth/login', unverified).expect(200);
    expect(session.body.accessToken).toEqual(expect.any(String));
  });

  it('a taken username is the same 409 for a new and for a taken address', async () => {
    const holder = await verifiedOwner();
    const other = await verifiedOwner();
    const username = holder.username.toUpperCase();
    const withNew = expectErrorBody(await register({ ...newUser(), username }), 409);
    const withTaken = expectErrorBody(
      await register({ ...newUser(), email: other.email, username }),
      409,
    );
    expect(withNew.message).toBe(USERNAME_TAKEN);
    expect({ ...withTaken, requestId: '' }).toEqual({ ...withNew, requestId: '' });
    // Refused before the address was looked up: its owner hears nothing, no event is written.
    expect(await outboxPurposes(t, other.email)).toEqual(['verify-email']);
    expect(await auditEvents(t, 'auth.register.address_taken', other.id)).toEqual([]);
  });

  it('the username of an attempt on a taken address stays reserved, for registrations and renames', async () => {
    const owner = await verifiedOwner();
    const attempt = { ...newUser(), email: owner.email };
    expect((await register(attempt)).status).toBe(202);
    await smtp.nextMessage(owner.email);

    const [reservation] = await sql<{ hours: number }>(
      t,
      `SELECT round(extract(epoch FROM expires_at - now()) / 3600)::int AS hours
         FROM username_reservations WHERE username = lower($1)`,
      [attempt.username],
    );
    expect(reservation).toEqual({ hours: 24 }); // EMAIL_VERIFY_TTL's default

    const later = { ...newUser(), username: attempt.username.toUpperCase() };
    expect(expectErrorBody(await register(later), 409).message).toBe(USERNAME_TAKEN);
    expect(await sql(t, 'SELECT 1 FROM users WHERE email = $1', [later.email])).toEqual([]);

    const renamer = await verifiedOwner();
    const session = await post(t, '/api/auth/login', {
      email: renamer.email,
      password: renamer.password,
    }).expect(200);
    const patched = await patchMe(session.body.accessToken as string, {
      username: attempt.username,
    });
    expectErrorBody(patched, 409);
    // Its own name stays its own: renaming to it (another case) is no conflict.
    await patchMe(session.body.accessToken as string, {
      username: renamer.username.toUpperCase(),
    }).expect(200);
  });

  it('an expired reservation is taken over', async () => {
    const owner = await verifiedOwner();
    const attempt = { ...newUser(), email: owner.email };
    expect((await register(attempt)).status).toBe(202);
    await sql(
      t,
      "UPDATE username_reservations SET expires_at = now() - interval '1 second' WHERE username = $1",
      [attempt.username],
    );
    await registerAcceptedFrom(t, { username: attempt.username });
    expect(await usersNamed(attempt.username)).toBe(1);
  });

  it('a deactivated owner is not mailed (it could neither sign in nor reset); still 202', async () => {
    const owner = await verifiedOwner();
    await sql(t, 'UPDATE users SET is_active = false WHERE id = $1', [owner.id]);
    expect((await register({ ...newUser(), email: owner.email })).status).toBe(202);
    expect(await outboxPurposes(t, owner.email)).toEqual(['verify-email']);
    const events = await auditEvents(t, 'auth.register.address_taken', owner.id);
    expect(events).toEqual([{ metadata: { mailed: false, reason: 'inactive' } }]);
  });

  it('over the address quota: still 202, no mail, audited as such', async () => {
    const owner = await verifiedOwner(); // the verification link was the first of 3 mails this hour
    for (let i = 0; i < 3; i++)
      expect((await register({ ...newUser(), email: owner.email })).status).toBe(202);
    expect(await outboxPurposes(t, owner.email)).toEqual([
      'verify-email',
      'registration-attempt',
      'registration-attempt',
    ]);
    const events = await auditEvents(t, 'auth.register.address_taken', owner.id);
    expect(events.map((e) => e.metadata)).toEqual([
      { mailed: true },
      { mailed: true },
      { mailed: false, reason: 'mail_quota' },
    ]);
  });

  it('answers before the address is looked up: an insert that waits on a concurrent one with the address loses after the 202', async () => {
    const email = newUser().email;
    const winner = newUser();
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ id }] = (await runner.query(
        "INSERT INTO users (email, username, password_hash) VALUES ($1, $2, 'not-a-hash') RETURNING id",
        [email, winner.username],
      )) as Array<{ id: string }>;
      // Answered while this transaction still holds the address: the answer cannot depend on it.
      // (A registration that looked the address up first would wait here: the timeout says so.)
      const res = await post(t, '/api/auth/register', { ...newUser(), email }).timeout(15_000);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ message: ACCOUNT_ACCEPTED.REGISTRATION });
      // The registration's insert now waits on this transaction's row: it cannot have seen it yet.
      await eventually(async () => {
        const [{ n }] = await sql<{ n: number }>(
          t,
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return n > 0;
      });
      await runner.commitTransaction();
      await settleDeferred(t);
      expect(await sql(t, 'SELECT id FROM users WHERE email = $1', [email])).toEqual([{ id }]);
      expect((await smtp.nextMessage(email)).parsed.subject).toBe(ATTEMPT_SUBJECT);
      expect(await auditEvents(t, 'auth.register.address_taken', id)).toHaveLength(1);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('parallel registrations of one new address: all 202, one account, its owner told of the others', async () => {
    const email = newUser().email;
    const results = await Promise.all(
      [0, 1, 2].map(async () => (await register({ ...newUser(), email })).status),
    );
    expect(results).toEqual([202, 202, 202]);
    expect(await sql(t, 'SELECT 1 FROM users WHERE email = $1', [email])).toHaveLength(1);
    expect((await outboxPurposes(t, email)).sort()).toEqual([
      'registration-attempt',
      'registration-attempt',
      'verify-email',
    ]);
  });

  function patchMe(token: string, body: object): request.Test {
    return request(t.url)
      .patch('/api/users/me')
      .set('X-Forwarded-For', clientIpOf(t))
      .set('Authorization', `Bearer ${token}`)
      .send(body);
  }
});

describe('registration with REQUIRE_VERIFIED_EMAIL=false', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(
    async () => ({ smtp, t } = await startLifecycleSuite({ REQUIRE_VERIFIED_EMAIL: 'false' })),
  );
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  it('keeps the open answers: 201 with the account, 409 for a taken email or username, nothing reserved', async () => {
    const account = newUser();
    const created = await post(t, '/api/auth/register', account).expect(201);
    expect(created.body).toMatchObject({ email: account.email, username: account.username });
    linkToken(await smtp.nextMessage(account.email), '/verify-email');

    const sameEmail = await post(t, '/api/auth/register', { ...newUser(), email: account.email });
    expect(expectErrorBody(sameEmail, 409).message).toBe(DUPLICATE_ACCOUNT);
    const sameName = await post(t, '/api/auth/register', {
      ...newUser(),
      username: account.username.toUpperCase(),
    });
    expect(expectErrorBody(sameName, 409).message).toBe(DUPLICATE_ACCOUNT);

    expect(await outboxPurposes(t, account.email)).toEqual(['verify-email']); // no attempt mail
    expect(await sql(t, 'SELECT * FROM username_reservations')).toEqual([]);
  });
});
