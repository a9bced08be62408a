import { sql, type TestUser } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { TestSmtpServer } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
  auditEvents,
  loginFrom,
  post,
  postFrom,
  registerFrom,
  settleAll,
  startLifecycleSuite,
  stopLifecycleSuite,
} from './lifecycle-helpers';

jest.setTimeout(90_000);

const RESET_SUBJECT = 'Reset your Example App password';
const VERIFY_SUBJECT = 'Confirm your email address for Example App';

/**
 * The mail quota's buckets, end to end (real SMTP, counters in Redis when REDIS_URL is set): a
 * stranger network gets 3 link mails an hour to an address, all strangers together 10, and the
 * owner (its own session, or a network it signed in from) 3 of its own that strangers never touch.
 * Mails are counted where they land: on the SMTP server.
 */
describe('mail quota: strangers cannot silence the owner', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => ({ smtp, t } = await startLifecycleSuite({}, { redis: true })));
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  /** Distinct /24 networks for one test (`net(n)`, host `h`), apart from every other test's. */
  function networks(): (n: number, h?: number) => string {
    const b = Math.floor(Math.random() * 250) + 1;
    const c = Math.floor(Math.random() * 200);
    return (n, h = 20) => `10.${b}.${c + n}.${h}`;
  }

  async function forgot(user: TestUser, ip: string, times = 1): Promise<void> {
    for (let i = 0; i < times; i++)
      await postFrom(t, ip, '/api/auth/password/forgot', { email: user.email }).expect(202);
  }

  /** Mails delivered to the address, by subject, once nothing is left to send. */
  async function delivered(user: TestUser, subject: string): Promise<number> {
    await settleAll(t);
    return smtp.messagesTo(user.email).filter((m) => m.parsed.subject === subject).length;
  }

  it('a stranger network uses up only its own 3: the owner, from a network it signed in from, still gets its link; another stranger network gets its 3', async () => {
    const net = networks();
    const user = await registerFrom(t);
    await loginFrom(t, user, net(1)); // the owner's network from now on
    await forgot(user, net(2), 5);
    expect(await delivered(user, RESET_SUBJECT)).toBe(3);

    await forgot(user, net(1, 99)); // another address of the owner's /24
    expect(await delivered(user, RESET_SUBJECT)).toBe(4);

    await forgot(user, net(3), 4);
    expect(await delivered(user, RESET_SUBJECT)).toBe(7);
    const outcomes = (await auditEvents(t, 'auth.password.reset_requested', user.id)).map(
      (e) => e.metadata.mailed,
    );
    expect(outcomes.filter((mailed) => mailed === false)).toHaveLength(3);
  });

  it('all stranger networks together get 10 an hour; the owner still gets its link', async () => {
    const net = networks();
    const user = await registerFrom(t); // the verification link: the strangers' 1st mail
    await loginFrom(t, user, net(0));
    for (let n = 1; n <= 12; n++) await forgot(user, net(n));
    await forgot(user, net(13), 3);
    expect(await delivered(user, VERIFY_SUBJECT)).toBe(1);
    expect(await delivered(user, RESET_SUBJECT)).toBe(9);

    await forgot(user, net(0, 200));
    expect(await delivered(user, RESET_SUBJECT)).toBe(10);
  });

  it("an unknown address is a stranger's: its quota says nothing about whether an account exists", async () => {
    const net = networks();
    const email = `nobody.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@example.org`;
    for (let n = 1; n <= 10; n++)
      await postFrom(t, net(n), '/api/auth/password/forgot', { email }).expect(202);
    await settleAll(t);
    // Registered now, from an 11th network, the address is over the strangers' 10: no link.
    const user = await registerFrom(t, email);
    expect(await delivered(user, VERIFY_SUBJECT)).toBe(0);
    // Its owner asks from the new session: the owner's bucket.
    const session = await loginFrom(t, user, net(11));
    await post(t, '/api/auth/email/verify/resend', {}, session.accessToken).expect(202);
    expect(await delivered(user, VERIFY_SUBJECT)).toBe(1);
  });

  it("resend from the owner's session uses the owner's bucket: 3 more, then 429 with its limit", async () => {
    const net = networks();
    const user = await registerFrom(t);
    for (let n = 1; n <= 9; n++) await forgot(user, net(n)); // with the verification: 10
    expect(await delivered(user, RESET_SUBJECT)).toBe(9);

    // Signed in from a stranger's network: the session, not the network, makes it the owner.
    const session = await loginFrom(t, user, net(1, 77));
    for (let i = 0; i < 3; i++)
      await post(t, '/api/auth/email/verify/resend', {}, session.accessToken).expect(202);
    const refused = await post(t, '/api/auth/email/verify/resend', {}, session.accessToken);
    expectErrorBody(refused, 429);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3_000);
    expect(await delivered(user, VERIFY_SUBJECT)).toBe(4);
  });

  it("a network the owner has not used for 90 days is a stranger's again", async () => {
    const net = networks();
    const user = await registerFrom(t);
    await loginFrom(t, user, net(0));
    for (let n = 1; n <= 9; n++) await forgot(user, net(n)); // the strangers' 10
    await sql(
      t,
      "UPDATE known_networks SET last_seen_at = now() - interval '91 days' WHERE user_id = $1",
      [user.id],
    );
    await forgot(user, net(0));
    expect(await delivered(user, RESET_SUBJECT)).toBe(9);

    await loginFrom(t, user, net(0)); // seen again
    await forgot(user, net(0));
    expect(await delivered(user, RESET_SUBJECT)).toBe(10);
    // Only a keyed fingerprint per network: no address in the table.
    const rows = await sql(t, 'SELECT * FROM known_networks WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(net(0).split('.').slice(0, 3).join('.'));
  });
});
