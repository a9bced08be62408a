import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { INVALID_LINK } from '../../src/common/auth/account-messages';
import {
  getMe,
  login,
  refreshWith,
  register,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { codeAt, enrolTotp, passwordStep, verify } from '../mfa/mfa-helpers';
import { TestSmtpServer } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
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

const STRONG = () => `Fresh!Lamp-${Math.random().toString(36).slice(2, 10)}-42`;

describe('account lifecycle by email (real SMTP over STARTTLS, real PostgreSQL)', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => ({ smtp, t } = await startLifecycleSuite()));
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  /** Registers and returns the user with the token of the verification mail it received. */
  async function registered(): Promise<TestUser & { verifyToken: string }> {
    const user = await register(t);
    const mail = await smtp.nextMessage(user.email);
    expect(mail.parsed.subject).toBe('Confirm your email address for Example App');
    return { ...user, verifyToken: linkToken(mail, '/verify-email') };
  }

  describe('email verification', () => {
    it('register → mail arrives → link token → verified, once', async () => {
      const user = await registered();
      const session = await login(t, user);
      expect((await getMe(t, session.accessToken)).body.emailVerified).toBe(false);

      await post(t, '/api/auth/email/verify', { token: user.verifyToken }).expect(204);
      const me = await getMe(t, session.accessToken).expect(200);
      expect(me.body.emailVerified).toBe(true);
      expect(await auditEvents(t, 'auth.email.verified', user.id)).toHaveLength(1);

      const reused = expectErrorBody(
        await post(t, '/api/auth/email/verify', { token: user.verifyToken }),
        400,
      );
      expect(reused.message).toBe(INVALID_LINK);
    });

    it('stores only the SHA-256 of a token, never the token', async () => {
      const user = await registered();
      const rows = await sql<{ token_hash: string }>(
        t,
        'SELECT token_hash FROM account_tokens WHERE user_id = $1',
        [user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(user.verifyToken);
    });

    it('resend: a new link, and the earlier one dies (superseded)', async () => {
      const user = await registered();
      const session = await login(t, user);
      const res = await post(t, '/api/auth/email/verify/resend', {}, session.accessToken).expect(
        202,
      );
      expect(res.body).toEqual({ message: expect.any(String) });
      const fresh = linkToken(await smtp.nextMessage(user.email), '/verify-email');
      expect(fresh).not.toBe(user.verifyToken);

      expectErrorBody(await post(t, '/api/auth/email/verify', { token: user.verifyToken }), 400);
      await post(t, '/api/auth/email/verify', { token: fresh }).expect(204);
    });

    it('resend needs a bearer token', async () => {
      expectErrorBody(await post(t, '/api/auth/email/verify/resend', {}), 401);
    });

    it('refuses an expired link, a made-up one, one of another purpose, and a malformed body', async () => {
      const user = await registered();
      await sql(
        t,
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        [user.id],
      );
      const expired = expectErrorBody(
        await post(t, '/api/auth/email/verify', { token: user.verifyToken }),
        400,
      );
      expect(expired.message).toBe(INVALID_LINK);
      const madeUp = 'A'.repeat(43);
      expect(
        expectErrorBody(await post(t, '/api/auth/email/verify', { token: madeUp }), 400).message,
      ).toBe(INVALID_LINK);

      const other = await registered();
      // A verification token is no reset token.
      expect(
        expectErrorBody(
          await post(t, '/api/auth/password/reset', {
            token: other.verifyToken,
            newPassword: STRONG(),
          }),
          400,
        ).message,
      ).toBe(INVALID_LINK);
      expectErrorBody(await post(t, '/api/auth/email/verify', {}), 400);
      expectErrorBody(await post(t, '/api/auth/email/verify', { token: 'x', extra: 1 }), 400);
    });
  });

  describe('password reset', () => {
    it('never bypasses the second factor: after a reset the login still asks for the code', async () => {
      const user = await registered();
      const { secret } = await enrolTotp(t, await login(t, user));
      expect((await smtp.nextMessage(user.email)).parsed.subject).toMatch(
        /two-step|second|factor|sign-in/i,
      );

      await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
      const token = linkToken(await smtp.nextMessage(user.email), '/reset-password');
      const newPassword = STRONG();
      // The reset answers 204 and nothing else: no tokens, no cookie.
      const reset = await post(t, '/api/auth/password/reset', { token, newPassword }).expect(204);
      expect(reset.headers['set-cookie']).toBeUndefined();

      const mfaToken = await passwordStep(t, { ...user, password: newPassword });
      const [{ mfa_enabled }] = await sql<{ mfa_enabled: boolean }>(
        t,
        'SELECT mfa_enabled FROM users WHERE id = $1',
        [user.id],
      );
      expect(mfa_enabled).toBe(true);
      const done = await verify(t, { mfaToken, code: codeAt(secret) }).expect(200);
      expect(done.body.accessToken).toEqual(expect.any(String));
    });

    it('forgot → reset → every old session dead → notice arrives; MFA flag untouched', async () => {
      const user = await registered();
      const first = await login(t, user);
      const second = await login(t, user);

      const forgot = await post(t, '/api/auth/password/forgot', {
        email: `  ${user.email.toUpperCase()} `,
      }).expect(202);
      expect(forgot.body).toEqual({
        message: 'If an account uses this address, a reset link is on its way',
      });
      const mail = await smtp.nextMessage(user.email);
      expect(mail.parsed.subject).toBe('Reset your Example App password');
      const token = linkToken(mail, '/reset-password');

      // A weak password is refused and the link stays usable.
      const weak = expectErrorBody(
        await post(t, '/api/auth/password/reset', { token, newPassword: 'short' }),
        400,
      );
      expect(JSON.stringify(weak.message)).toContain('newPassword');
      const containsUsername = await post(t, '/api/auth/password/reset', {
        token,
        newPassword: `Aa1!${user.username}xyz`,
      });
      expectErrorBody(containsUsername, 400);

      const newPassword = STRONG();
      await post(t, '/api/auth/password/reset', { token, newPassword }).expect(204);

      for (const session of [first, second]) {
        expectErrorBody(await getMe(t, session.accessToken), 401);
        expectErrorBody(await refreshWith(t, session.refreshToken), 401);
      }
      expectErrorBody(
        await post(t, '/api/auth/login', { email: user.email, password: user.password }),
        401,
      );
      await login(t, { ...user, password: newPassword });

      const notice = await smtp.nextMessage(user.email);
      expect(notice.parsed.subject).toBe('Your Example App password was changed');

      // Spent: the link works once.
      expect(
        expectErrorBody(
          await post(t, '/api/auth/password/reset', { token, newPassword: STRONG() }),
          400,
        ).message,
      ).toBe(INVALID_LINK);

      const [requested] = await auditEvents(t, 'auth.password.reset_requested', user.id);
      expect(requested.metadata).toEqual({ mailed: true });
      const [reset] = await auditEvents(t, 'auth.password.reset', user.id);
      expect(reset.metadata).toEqual({ sessionsRevoked: 2 });
      const [row] = await sql<{ mfa_enabled: boolean; email_verified: boolean }>(
        t,
        'SELECT mfa_enabled, email_verified FROM users WHERE id = $1',
        [user.id],
      );
      // The link proved the mailbox; MFA is never turned off by a reset.
      expect(row).toEqual({ mfa_enabled: false, email_verified: true });
    });

    it('unknown email: the same 202 body, no mail, nothing queued', async () => {
      const known = await registered();
      const unknown = `nobody.${Date.now().toString(36)}@example.org`;
      const a = await post(t, '/api/auth/password/forgot', { email: unknown }).expect(202);
      const b = await post(t, '/api/auth/password/forgot', { email: known.email }).expect(202);
      expect(a.body).toEqual(b.body);
      expect(a.headers['content-length']).toBe(b.headers['content-length']);
      await settleDeferred(t);
      await smtp.nextMessage(known.email); // the known address's mail went out...
      expect(smtp.messagesTo(unknown)).toHaveLength(0); // ...and nothing to the unknown one
      expect(await outboxPurposes(t, unknown)).toEqual([]);
      const events = await auditEvents(t, 'auth.password.reset_requested', null);
      expect(events.at(-1)?.metadata).toEqual({ mailed: false, reason: 'unknown_email' });
    });

    it('a newer link supersedes the earlier one; an expired one is refused', async () => {
      const user = await registered();
      await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
      const older = linkToken(await smtp.nextMessage(user.email), '/reset-password');
      await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
      const newer = linkToken(await smtp.nextMessage(user.email), '/reset-password');
      expect(
        expectErrorBody(
          await post(t, '/api/auth/password/reset', { token: older, newPassword: STRONG() }),
          400,
        ).message,
      ).toBe(INVALID_LINK);

      await sql(
        t,
        "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'password_reset' AND spent_at IS NULL",
        [user.id],
      );
      expect(
        expectErrorBody(
          await post(t, '/api/auth/password/reset', { token: newer, newPassword: STRONG() }),
          400,
        ).message,
      ).toBe(INVALID_LINK);
    });

    it('two resets racing with one link: exactly one wins', async () => {
      const user = await registered();
      await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
      const token = linkToken(await smtp.nextMessage(user.email), '/reset-password');
      const results = await Promise.all(
        [STRONG(), STRONG(), STRONG()].map((newPassword) =>
          post(t, '/api/auth/password/reset', { token, newPassword }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([204, 400, 400]);
    });

    it('changing the password (POST /users/me/password) sends the notice too', async () => {
      const user = await registered();
      const session = await login(t, user);
      await post(
        t,
        '/api/users/me/password',
        { currentPassword: user.password, newPassword: STRONG() },
        session.accessToken,
      ).expect(204);
      const notice = await smtp.nextMessage(user.email);
      expect(notice.parsed.subject).toBe('Your Example App password was changed');
    });
  });

  describe('email change', () => {
    it('old address notified, new address gets the link; confirm moves the account and ends every session', async () => {
      const user = await registered();
      const session = await login(t, user);
      const newEmail = `moved.${Date.now().toString(36)}@example.net`;

      const res = await post(
        t,
        '/api/users/me/email',
        { newEmail: newEmail.toUpperCase(), password: user.password },
        session.accessToken,
      ).expect(202);
      expect(res.body).toEqual({ message: expect.any(String) });

      const notice = await smtp.nextMessage(user.email);
      expect(notice.parsed.subject).toBe(
        'A change of your Example App email address was requested',
      );
      // The address the requester typed is not quoted to the owner.
      for (const part of [notice.parsed.text ?? '', String(notice.parsed.html)])
        expect(part.toLowerCase()).not.toContain(newEmail);
      const link = await smtp.nextMessage(newEmail);
      expect(link.parsed.subject).toBe('Confirm your new email address for Example App');
      const token = linkToken(link, '/confirm-email');

      // Nothing changed yet.
      expect((await getMe(t, session.accessToken).expect(200)).body.email).toBe(user.email);

      await post(t, '/api/auth/email/change/confirm', { token }).expect(204);
      expectErrorBody(await getMe(t, session.accessToken), 401);
      expectErrorBody(await refreshWith(t, session.refreshToken), 401);
      expectErrorBody(
        await post(t, '/api/auth/login', { email: user.email, password: user.password }),
        401,
      );
      const moved = await login(t, { ...user, email: newEmail });
      const me = await getMe(t, moved.accessToken).expect(200);
      expect(me.body).toMatchObject({ email: newEmail, emailVerified: true });

      expectErrorBody(await post(t, '/api/auth/email/change/confirm', { token }), 400);
      expect(await auditEvents(t, 'user.email.change_requested', user.id)).toHaveLength(1);
      expect(await auditEvents(t, 'user.email.changed', user.id)).toEqual([
        { metadata: { sessionsRevoked: 1 } },
      ]);
    });

    it('a taken address: still 202, its owner gets the email-taken mail, no link anywhere', async () => {
      const owner = await registered();
      const user = await registered();
      const session = await login(t, user);
      await post(
        t,
        '/api/users/me/email',
        { newEmail: owner.email, password: user.password },
        session.accessToken,
      ).expect(202);
      const taken = await smtp.nextMessage(owner.email);
      expect(taken.parsed.subject).toBe('Someone tried to use your email address on Example App');
      expect(taken.parsed.text).not.toMatch(/token=/);
      await smtp.nextMessage(user.email); // the notice to the old address
      expect(await outboxPurposes(t, owner.email)).toEqual(['verify-email', 'email-taken']);
      const [row] = await sql<{ count: string }>(
        t,
        "SELECT count(*) FROM account_tokens WHERE user_id = $1 AND purpose = 'email_change'",
        [user.id],
      );
      expect(row.count).toBe('0');
    });

    it('a wrong password is a 401 audited as auth.reauth.failure, and nothing is mailed', async () => {
      const user = await registered();
      const session = await login(t, user);
      const newEmail = `never.${Date.now().toString(36)}@example.net`;
      expectErrorBody(
        await post(
          t,
          '/api/users/me/email',
          { newEmail, password: `${user.password}x` },
          session.accessToken,
        ),
        401,
      );
      expect(await auditEvents(t, 'auth.reauth.failure', user.id)).toHaveLength(1);
      expect(await outboxPurposes(t, newEmail)).toEqual([]);
      expect(await outboxPurposes(t, user.email)).toEqual(['verify-email']);
    });

    it('re-checks the address when the link is used: taken meanwhile → 409, nothing changes', async () => {
      const user = await registered();
      const session = await login(t, user);
      const newEmail = `race.${Date.now().toString(36)}@example.net`;
      await post(
        t,
        '/api/users/me/email',
        { newEmail, password: user.password },
        session.accessToken,
      ).expect(202);
      const token = linkToken(await smtp.nextMessage(newEmail), '/confirm-email');
      await register(t, { email: newEmail });
      expectErrorBody(await post(t, '/api/auth/email/change/confirm', { token }), 409);
      expect((await getMe(t, session.accessToken).expect(200)).body.email).toBe(user.email);
    });
  });

  describe('new sign-in notice', () => {
    const loginAs = (user: TestUser, agent: string) =>
      request(t.url)
        .post('/api/auth/login')
        .set('User-Agent', agent)
        .send({ email: user.email, password: user.password })
        .expect(200);

    it('mails the account on a sign-in from a device not seen before, not on the first one or a known one', async () => {
      const user = await registered();
      await loginAs(user, 'Browser/1 (first device)');
      await loginAs(user, 'Browser/1 (first device)');
      expect(await outboxPurposes(t, user.email)).toEqual(['verify-email']);

      await loginAs(user, 'Browser/2 <script>(new device)</script>');
      const notice = await smtp.nextMessage(user.email);
      expect(notice.parsed.subject).toBe('New sign-in to your Example App account');
      expect(notice.parsed.text).toContain('an unrecognised browser on an unrecognised system');
      expect(notice.parsed.text).not.toContain('Browser/2');
      expect(String(notice.parsed.html)).not.toContain('script');
      await loginAs(user, 'Browser/2 <script>(new device)</script>');
      expect(await outboxPurposes(t, user.email)).toEqual(['verify-email', 'new-signin']);

      // Only HMAC fingerprints are stored: no address, no user agent.
      const rows = await sql(t, 'SELECT * FROM known_devices WHERE user_id = $1', [user.id]);
      expect(rows).toHaveLength(2);
      expect(JSON.stringify(rows)).not.toMatch(/127\.0\.0|Browser/);
    });

    it('names the device by browser and OS family, in text and HTML; no text of the User-Agent reaches the mail', async () => {
      const user = await registered();
      await loginAs(user, 'Browser/1 (first device)');
      const lure = 'Visit http://evil.example to keep your account';
      await loginAs(
        user,
        `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 (${lure})`,
      );
      await loginAs(user, `Mozilla/5.0 (${lure})`);
      const devices = [];
      for (const notice of [
        await smtp.nextMessage(user.email),
        await smtp.nextMessage(user.email),
      ]) {
        const text = notice.parsed.text ?? '';
        const html = String(notice.parsed.html);
        const device = /device: +(.+)/.exec(text)?.[1];
        expect(html).toContain(`<li>device: ${device}</li>`);
        for (const part of [text, html])
          expect(part).not.toMatch(/evil|Visit|Mozilla|AppleWebKit|Chrome\/124/);
        devices.push(device);
      }
      // Two notices, in whichever order the outbox sent them.
      expect(devices.sort()).toEqual([
        'Chrome on macOS',
        'an unrecognised browser on an unrecognised system',
      ]);
    });
  });

  describe('logs', () => {
    it('no link token ever reaches a log file, from bodies, URLs or errors', async () => {
      // Links of its own, each used and then refused when used again: the test needs no sibling's.
      const own: string[] = [];
      for (let i = 0; i < 11; i++) {
        const user = await registered();
        await post(t, '/api/auth/email/verify', { token: user.verifyToken }).expect(204);
        expectErrorBody(await post(t, '/api/auth/email/verify', { token: user.verifyToken }), 400);
        await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
        const reset = linkToken(await smtp.nextMessage(user.email), '/reset-password');
        await post(t, '/api/auth/password/reset', { token: reset, newPassword: STRONG() }).expect(
          204,
        );
        expectErrorBody(
          await post(t, '/api/auth/password/reset', { token: reset, newPassword: STRONG() }),
          400,
        );
        own.push(user.verifyToken, reset);
      }
      const planted = 'Pl4nted-T0ken-Value_in-the-query-and-body-00';
      await request(t.url)
        .post(`/api/auth/email/verify?token=${planted}`)
        .set('X-Forwarded-For', clientIpOf(t))
        .send({ token: planted })
        .expect(400);
      await request(t.url).get(`/api/nowhere?token=${planted}&x=1`).expect(404);
      await request(t.url)
        .post('/api/auth/password/reset?reset_token=' + planted)
        .set('X-Forwarded-For', clientIpOf(t))
        .send({ token: planted, newPassword: planted })
        .expect(400);
      const tokens = [planted];
      for (const mail of smtp.received)
        for (const match of (mail.parsed.text ?? '').matchAll(/#token=([A-Za-z0-9_-]{43})/g))
          tokens.push(match[1]);
      expect(tokens).toEqual(expect.arrayContaining(own));
      expect(tokens.length).toBeGreaterThan(20);
      const files = readdirSync(t.env.LOG_DIR).filter((name) => name.endsWith('.log'));
      expect(files.length).toBeGreaterThan(0);
      const logs = files.map((name) => readFileSync(join(t.env.LOG_DIR, name), 'utf8')).join('\n');
      expect(logs).toContain('/api/auth/email/verify'); // the requests were logged...
      for (const token of tokens) expect(logs).not.toContain(token); // ...their tokens were not
    });
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(
    async () => ({ smtp, t } = await startLifecycleSuite({ REQUIRE_VERIFIED_EMAIL: 'true' })),
  );
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  it('right password + unverified → 403 "email not verified"; wrong password stays the generic 401; after verifying → 200', async () => {
    const user = await registerAcceptedFrom(t);
    const token = linkToken(await smtp.nextMessage(user.email), '/verify-email');
    const refused = expectErrorBody(
      await post(t, '/api/auth/login', { email: user.email, password: user.password }),
      403,
    );
    expect(refused.message).toBe('email not verified');
    const wrong = expectErrorBody(
      await post(t, '/api/auth/login', { email: user.email, password: `${user.password}x` }),
      401,
    );
    expect(wrong.message).toBe('Invalid email or password');
    const events = await auditEvents(t, 'auth.login.failure', user.id);
    expect(events.map((e) => e.metadata.reason)).toEqual(['email_not_verified', 'wrong_password']);

    await post(t, '/api/auth/email/verify', { token }).expect(204);
    const session: LoggedIn = await login(t, user);
    expect((await getMe(t, session.accessToken).expect(200)).body.emailVerified).toBe(true);
  });
});
