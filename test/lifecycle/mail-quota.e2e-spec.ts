import { expectErrorBody } from '../support/error-body';
import { TestSmtpServer } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
  auditEvents,
  outboxPurposes,
  post,
  settleDeferred,
  startLifecycleSuite,
  stopLifecycleSuite,
  registerFrom,
  loginFrom,
} from './lifecycle-helpers';

jest.setTimeout(60_000);

/**
 * The link mails of one address, counted in the shared rate-limit store (Redis when REDIS_URL is
 * set, as in CI; memory otherwise) whichever route asks and whether or not the address has an
 * account: 3 an hour from one stranger network (every request here comes from one address), and
 * 3 of the owner's own from its session. mail-quota-buckets.e2e-spec.ts has the other buckets.
 */
describe('mails per address from one network: at most 3 an hour', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => ({ smtp, t } = await startLifecycleSuite({}, { redis: true })));
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  it('forgot past the quota still answers 202 with the same body, and sends nothing', async () => {
    const user = await registerFrom(t); // mail 1: the verification link
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
      bodies.push(res.body);
    }
    await settleDeferred(t);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    // Mails 2 and 3 are reset links; the 3rd and 4th requests mailed nothing (the user never
    // signed in, so this network is a stranger's like any other).
    expect(await outboxPurposes(t, user.email)).toEqual([
      'verify-email',
      'password-reset',
      'password-reset',
    ]);
    const events = await auditEvents(t, 'auth.password.reset_requested', user.id);
    // The deferred work of the four requests may commit in any order: compare as a multiset.
    const outcomes = events.map((e) => JSON.stringify(e.metadata)).sort();
    expect(outcomes).toEqual(
      [
        { mailed: true },
        { mailed: true },
        { mailed: false, reason: 'mail_quota' },
        { mailed: false, reason: 'mail_quota' },
      ]
        .map((m) => JSON.stringify(m))
        .sort(),
    );
  });

  it('an unknown address is counted too (no oracle in the quota)', async () => {
    const unknown = `nobody.${Date.now().toString(36)}@example.org`;
    for (let i = 0; i < 4; i++)
      await post(t, '/api/auth/password/forgot', { email: unknown }).expect(202);
    await settleDeferred(t);
    // Registering it now from the same network: over that network's 3, so no link is sent.
    const user = await registerFrom(t, unknown);
    expect(await outboxPurposes(t, user.email)).toEqual([]);
  });

  it("resend past the owner's 3 → 429 with Retry-After and RateLimit headers", async () => {
    const user = await registerFrom(t); // a stranger's mail: not the owner's bucket
    const session = await loginFrom(t, user);
    for (let i = 0; i < 3; i++)
      await post(t, '/api/auth/email/verify/resend', {}, session.accessToken).expect(202);
    const refused = await post(t, '/api/auth/email/verify/resend', {}, session.accessToken);
    expectErrorBody(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3_000);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(await outboxPurposes(t, user.email)).toEqual([
      'verify-email',
      'verify-email',
      'verify-email',
      'verify-email',
    ]);
  });

  it("an email change is a stranger's request to the new address: over this network's 3 → 429, nothing mailed", async () => {
    const victim = `victim.${Date.now().toString(36)}@example.net`;
    const user = await registerFrom(t);
    const session = await loginFrom(t, user);
    for (let i = 0; i < 3; i++)
      await post(
        t,
        '/api/users/me/email',
        { newEmail: victim, password: user.password },
        session.accessToken,
      ).expect(202);
    const refused = await post(
      t,
      '/api/users/me/email',
      { newEmail: victim, password: user.password },
      session.accessToken,
    );
    expectErrorBody(refused, 429);
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(await outboxPurposes(t, victim)).toHaveLength(3);
  });
});

describe('per-IP auth limit on the public lifecycle routes', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(
    async () =>
      ({ smtp, t } = await startLifecycleSuite({ AUTH_RATE_LIMIT_MAX: '2' }, { redis: true })),
  );
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  it.each([
    ['/api/auth/password/forgot', { email: 'someone@example.org' }],
    ['/api/auth/password/reset', { token: 'x', newPassword: 'y' }],
    ['/api/auth/email/verify', { token: 'x' }],
    ['/api/auth/email/change/confirm', { token: 'x' }],
  ])('%s: AUTH_RATE_LIMIT_MAX per IP, then 429', async (path, body) => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(t, path, body)).status);
    expect(statuses[2]).toBe(429);
    expect(statuses.slice(0, 2)).not.toContain(429);
  });
});
