import request from 'supertest';
import { INVALID_LINK } from '../../src/common/auth/account-messages';
import {
  bearer,
  getMe,
  loginAdmin,
  sql,
  type LoggedIn,
  type TestUser,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { TestSmtpServer } from '../support/smtp-server';
import type { TestApp } from '../support/test-app';
import {
  awayFromStepEdge,
  codeAt,
  enrolTotp,
  markVerified,
  passwordStep,
  verify,
} from '../mfa/mfa-helpers';
import {
  auditEvents,
  linkToken,
  loginFrom,
  outboxPurposes,
  post,
  registerFrom,
  settleAll,
  startLifecycleApp,
  startLifecycleSuite,
  stopLifecycleSuite,
} from '../lifecycle/lifecycle-helpers';

jest.setTimeout(90_000);

const STRONG = () => `Fresh!Lamp-${Math.random().toString(36).slice(2, 10)}-42`;
const INSUFFICIENT = 'Bearer error="insufficient_user_authentication"';

/**
 * The account takeovers an outside review reproduced where the lifecycle meets MFA, each played as
 * the attacker played it (a stolen access token and the password), against the real app, real
 * PostgreSQL over TLS and a real SMTP server. Every case failed on the code before the fix.
 */
describe('account integrity: no takeover through pending links, planted factors or second-factor guessing', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => ({ smtp, t } = await startLifecycleSuite()));
  afterAll(() => stopLifecycleSuite({ smtp, t }));

  /** A verified account, signed in from the app's client address. */
  async function victim(): Promise<LoggedIn> {
    const user = await registerFrom(t);
    await smtp.nextMessage(user.email); // the verification mail; the owner verifies:
    await markVerified(t, user.id);
    return loginFrom(t, user);
  }

  /** The attacker, holding `session` and the password, asks to move the account to their mailbox. */
  async function plantEmailChange(session: LoggedIn): Promise<{ token: string; to: string }> {
    const to = `attacker.${Math.random().toString(36).slice(2, 10)}@example.net`;
    await post(
      t,
      '/api/users/me/email',
      { newEmail: to, password: session.password },
      session.accessToken,
    ).expect(202);
    // The owner hears of it at once: the notice the review's owner followed.
    expect((await smtp.nextMessage(session.email)).parsed.subject).toBe(
      'A change of your Example App email address was requested',
    );
    return { token: linkToken(await smtp.nextMessage(to), '/confirm-email'), to };
  }

  async function resetLink(user: TestUser): Promise<string> {
    await post(t, '/api/auth/password/forgot', { email: user.email }).expect(202);
    return linkToken(await smtp.nextMessage(user.email), '/reset-password');
  }

  const emailOf = async (id: string): Promise<string> =>
    (await sql<{ email: string }>(t, 'SELECT email FROM users WHERE id = $1', [id]))[0].email;

  describe('1. a pending email-change link dies with the credentials it was asked under', () => {
    it('the owner resets the password: the attacker’s 24-hour link is refused and the address stays', async () => {
      const owner = await victim();
      const planted = await plantEmailChange(owner);
      const reset = await resetLink(owner);
      await post(t, '/api/auth/password/reset', { token: reset, newPassword: STRONG() }).expect(
        204,
      );
      const refused = expectErrorBody(
        await post(t, '/api/auth/email/change/confirm', { token: planted.token }),
        400,
      );
      expect(refused.message).toBe(INVALID_LINK);
      expect(await emailOf(owner.id)).toBe(owner.email);
    });

    it.each([
      ['a password change', 'password'],
      ['logout-all', 'logout-all'],
    ])('%s kills it too', async (_, event) => {
      const owner = await victim();
      const planted = await plantEmailChange(owner);
      if (event === 'password')
        await post(
          t,
          '/api/users/me/password',
          { currentPassword: owner.password, newPassword: STRONG() },
          owner.accessToken,
        ).expect(204);
      else await post(t, '/api/auth/logout-all', {}, owner.accessToken).expect(204);
      expectErrorBody(
        await post(t, '/api/auth/email/change/confirm', { token: planted.token }),
        400,
      );
      expect(await emailOf(owner.id)).toBe(owner.email);
    });

    it('a deactivated account’s pending link is refused', async () => {
      const owner = await victim();
      const planted = await plantEmailChange(owner);
      const admin = await loginAdmin(t);
      await request(t.url)
        .patch(`/api/users/${owner.id}`)
        .set(...bearer(admin.accessToken))
        .send({ isActive: false })
        .expect(200);
      expectErrorBody(
        await post(t, '/api/auth/email/change/confirm', { token: planted.token }),
        400,
      );
    });

    it('a password change kills an older reset link', async () => {
      const owner = await victim();
      const reset = await resetLink(owner);
      await post(
        t,
        '/api/users/me/password',
        { currentPassword: owner.password, newPassword: STRONG() },
        owner.accessToken,
      ).expect(204);
      const refused = expectErrorBody(
        await post(t, '/api/auth/password/reset', { token: reset, newPassword: STRONG() }),
        400,
      );
      expect(refused.message).toBe(INVALID_LINK);
    });
  });

  describe('2. a factor is never planted with the password alone', () => {
    it('with TOTP on, a stolen token and the password add no passkey and no second authenticator', async () => {
      const owner = await victim();
      const { secret } = await enrolTotp(t, owner);
      // The attacker's copy: a fresh session from the owner's own two-step sign-in.
      await awayFromStepEdge();
      const mfaToken = await passwordStep(t, owner);
      const stolen = (await verify(t, { mfaToken, code: codeAt(secret) }).expect(200)).body
        .accessToken as string;
      const options = await post(
        t,
        '/api/auth/passkeys/registration/options',
        { password: owner.password },
        stolen,
      );
      expectErrorBody(options, 401);
      expect(options.headers['www-authenticate']).toBe(INSUFFICIENT);
      const totp = await post(t, '/api/auth/mfa/totp/setup', { password: owner.password }, stolen);
      expect(totp.headers['www-authenticate']).toBe(INSUFFICIENT);
      expect(
        await sql(t, 'SELECT 1 FROM webauthn_challenges WHERE user_id = $1', [owner.id]),
      ).toHaveLength(0);
    });

    it('pre-hijack: an address nobody proved gets no factor (403), so the owner’s later reset meets none', async () => {
      const squatter = await loginFrom(t, await registerFrom(t));
      for (const path of ['/api/auth/passkeys/registration/options', '/api/auth/mfa/totp/setup']) {
        const refused = expectErrorBody(
          await post(t, path, { password: squatter.password }, squatter.accessToken),
          403,
        );
        expect(refused.message).toBe('email not verified');
      }
      expect((await getMe(t, squatter.accessToken).expect(200)).body.mfaEnabled).toBe(false);
    });

    it('turning a factor on ends every other session and kills pending links and sign-ins', async () => {
      const owner = await victim();
      const other = await loginFrom(t, owner);
      const reset = await resetLink(owner);
      const planted = await plantEmailChange(owner);
      await enrolTotp(t, owner);
      await getMe(t, owner.accessToken).expect(200);
      await getMe(t, other.accessToken).expect(401);
      expectErrorBody(
        await post(t, '/api/auth/password/reset', { token: reset, newPassword: STRONG() }),
        400,
      );
      expectErrorBody(
        await post(t, '/api/auth/email/change/confirm', { token: planted.token }),
        400,
      );
    });

    it('a pending mfaToken dies when the owner changes the password meanwhile', async () => {
      const owner = await victim();
      const { secret } = await enrolTotp(t, owner);
      await awayFromStepEdge();
      const attackerStep = await passwordStep(t, owner);
      await post(
        t,
        '/api/users/me/password',
        { currentPassword: owner.password, newPassword: STRONG(), code: codeAt(secret) },
        owner.accessToken,
      ).expect(204);
      const dead = expectErrorBody(
        await verify(t, { mfaToken: attackerStep, code: codeAt(secret, 1) }),
        400,
      );
      expect(dead.message).toBe(INVALID_LINK);
      // Unknown tokens stay a 401: only a token that died with the credentials is a dead link.
      expectErrorBody(await verify(t, { mfaToken: 'no-such-token', code: codeAt(secret, 1) }), 401);
    });
  });

  describe('3. second-factor guesses are limited in counters a right password never clears', () => {
    it('password + wrong codes, again and again from one network: at most LOGIN_FAILURE_MAX codes are checked, and the owner hears of it once', async () => {
      const limited = await startLifecycleApp(smtp, {
        LOGIN_FAILURE_MAX: '5',
        LOGIN_FAILURE_ACCOUNT_MAX: '50',
      });
      try {
        const user = await registerFrom(limited);
        await smtp.nextMessage(user.email);
        await markVerified(limited, user.id);
        const owner = await loginFrom(limited, user);
        const { secret } = await enrolTotp(limited, owner);
        const wrong = (code: string) =>
          String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
        const statuses: number[] = [];
        for (let round = 0; round < 4; round++) {
          const login = await post(limited, '/api/auth/login', {
            email: user.email,
            password: user.password,
          }).expect(200); // the right password: never refused, never forgiving the codes
          for (let guess = 0; guess < 4; guess++) {
            const res = await post(limited, '/api/auth/mfa/verify', {
              mfaToken: login.body.mfaToken as string,
              code: wrong(codeAt(secret)),
            });
            statuses.push(res.status);
            if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          }
        }
        expect(statuses.filter((s) => s === 401)).toHaveLength(5);
        expect(statuses.filter((s) => s === 429)).toHaveLength(11);
        expect(await auditEvents(limited, 'auth.mfa.failure', user.id)).toHaveLength(5);
        // Even the right code waits out the window now.
        const login = await post(limited, '/api/auth/login', {
          email: user.email,
          password: user.password,
        }).expect(200);
        await post(limited, '/api/auth/mfa/verify', {
          mfaToken: login.body.mfaToken as string,
          code: codeAt(secret),
        }).expect(429);
        await settleAll(limited);
        expect(
          (await outboxPurposes(limited, user.email)).filter((p) => p === 'mfa-failures'),
        ).toHaveLength(1);
        expect(await auditEvents(limited, 'auth.mfa.failure_notice', user.id)).toHaveLength(1);
      } finally {
        await limited.close();
      }
    });
  });
});
