import request from 'supertest';
import {
  RELAXED_LIMITS,
  bearer,
  getMe,
  loginAdmin,
  register,
  registerAndLogin,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { eventually, outboxRows } from '../support/mail-context';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  amrOf,
  awayFromStepEdge,
  codeAt,
  enrolTotp,
  passwordStep,
  totpSetup,
  verify,
} from './mfa-helpers';

describe('TOTP, recovery codes and the two-step login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      LOGIN_FAILURE_ACCOUNT_MAX: '6',
      MFA_REQUIRED_FOR_ADMINS: 'true',
      JWT_ISSUER: 'Orchid Bank',
    });
  });
  afterAll(() => t?.close());
  beforeEach(() => awayFromStepEdge());

  const eventsOf = async (type: string, userId: string): Promise<number> =>
    (
      await sql<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND user_id = $2',
        [type, userId],
      )
    )[0].n;

  it('enrols: pending until confirmed, secret stored encrypted, notice mailed, then two steps with amr pwd+otp', async () => {
    const user = await registerAndLogin(t);
    expectErrorBody(
      await request(t.url)
        .post('/api/auth/mfa/totp/setup')
        .set(...bearer(user.accessToken))
        .send({ password: user.password }),
      403,
    ); // only on a verified address
    const setup = { body: await totpSetup(t, user) };
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/.+secret=[A-Z2-7]{32}/);
    expect(setup.body.otpauthUri).toContain('algorithm=SHA1');
    expect(setup.body.otpauthUri).toContain('digits=6');
    expect(setup.body.otpauthUri).toContain('period=30');
    // The service's name (JWT_ISSUER) in the app, not the host of PUBLIC_APP_URL.
    expect(new URL(setup.body.otpauthUri).searchParams.get('issuer')).toBe('Orchid Bank');
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Orchid%20Bank:/);
    expect(setup.body.qrSvg).toMatch(/^<svg[\s\S]+<\/svg>\s*$/);
    const [row] = await sql<{ secret: string }>(
      t,
      'SELECT secret FROM mfa_totp WHERE user_id = $1',
      [user.id],
    );
    expect(row.secret).toMatch(/^v1\./);
    expect(row.secret).not.toContain(setup.body.secret);

    // Pending: the password alone still signs in.
    const pending = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(pending.body.accessToken).toEqual(expect.any(String));

    const secret = setup.body.secret;
    const wrong = await request(t.url)
      .post('/api/auth/mfa/totp/confirm')
      .set(...bearer(user.accessToken))
      .send({ code: codeAt(secret, 10) });
    expectErrorBody(wrong, 401);
    const confirmed = await request(t.url)
      .post('/api/auth/mfa/totp/confirm')
      .set(...bearer(user.accessToken))
      .send({ code: codeAt(secret, 0) })
      .expect(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect(await eventsOf('auth.mfa.enabled', user.id)).toBe(1);
    expect((await getMe(t, user.accessToken).expect(200)).body.mfaEnabled).toBe(true);

    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(Object.keys(login.body).sort()).toEqual(['methods', 'mfaRequired', 'mfaToken']);
    expect(login.body.mfaRequired).toBe(true);
    expect(login.body.methods).toEqual(['totp', 'recovery_code']);
    expect(login.headers['set-cookie']).toBeUndefined();

    // The code that confirmed the app is spent: the same one again is a replay.
    expectErrorBody(
      await verify(t, { mfaToken: login.body.mfaToken, code: codeAt(secret, 0) }),
      401,
    );
    const done = await verify(t, { mfaToken: login.body.mfaToken, code: codeAt(secret, 1) }).expect(
      200,
    );
    expect(amrOf(done.body.accessToken)).toEqual(['pwd', 'otp']);
    expect(String(done.headers['set-cookie'])).toMatch(/__Host-refresh_token=/);
    await getMe(t, done.body.accessToken).expect(200);
    // Refreshed tokens keep the session's methods.
    const refreshed = await request(t.url)
      .post('/api/auth/refresh')
      .send({ refreshToken: done.body.refreshToken })
      .expect(200);
    expect(amrOf(refreshed.body.accessToken)).toEqual(['pwd', 'otp']);

    // A code is accepted once: replaying it (or an older one) on a new login fails.
    const again = await passwordStep(t, user);
    expectErrorBody(await verify(t, { mfaToken: again, code: codeAt(secret, 1) }), 401);
    expectErrorBody(await verify(t, { mfaToken: again, code: codeAt(secret, 0) }), 401);

    const mail = await eventually(
      async () =>
        (await outboxRows(t.db, user.email)).find(
          (m) => m.purpose === 'mfa-enabled' && m.status === 'sent',
        ),
      15_000,
      'the mfa-enabled notice sent',
    );
    expect(mail.subject).toMatch(/Two-step verification turned on/);
  });

  it('accepts codes one step either side of now and refuses two steps away', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user, -1); // one step back: accepted
    const token = await passwordStep(t, user);
    expectErrorBody(await verify(t, { mfaToken: token, code: codeAt(secret, -2) }), 401);
    expectErrorBody(await verify(t, { mfaToken: token, code: codeAt(secret, 2) }), 401);
    const done = await verify(t, { mfaToken: token, code: codeAt(secret, 1) }).expect(200);
    expect(amrOf(done.body.accessToken)).toEqual(['pwd', 'otp']);
    expect(await eventsOf('auth.mfa.failure', user.id)).toBe(2);
  });

  it('lets one of two simultaneous uses of a code, or of a recovery code, win', async () => {
    const user = await registerAndLogin(t);
    const { secret, recoveryCodes } = await enrolTotp(t, user);
    const tokens = await Promise.all([1, 2, 3, 4].map(() => passwordStep(t, user)));
    const code = codeAt(secret, 0);
    const byCode = await Promise.all(
      tokens.slice(0, 2).map((mfaToken) => verify(t, { mfaToken, code })),
    );
    expect(byCode.map((r) => r.status).sort()).toEqual([200, 401]);
    const byRecovery = await Promise.all(
      tokens.slice(2).map((mfaToken) => verify(t, { mfaToken, recoveryCode: recoveryCodes[3] })),
    );
    expect(byRecovery.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('kills an mfaToken after 5 wrong codes, and spends it on success (single use)', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user);
    const token = await passwordStep(t, user);
    const wrong = codeAt(secret, 12);
    for (let i = 0; i < 5; i++)
      expectErrorBody(await verify(t, { mfaToken: token, code: wrong }), 401);
    expectErrorBody(await verify(t, { mfaToken: token, code: codeAt(secret, 0) }), 401);

    const fresh = await passwordStep(t, user);
    await verify(t, { mfaToken: fresh, code: codeAt(secret, 0) }).expect(200);
    expectErrorBody(await verify(t, { mfaToken: fresh, code: codeAt(secret, 1) }), 401);
    expectErrorBody(await verify(t, { mfaToken: 'not-a-token', code: codeAt(secret, 1) }), 401);
  });

  it('counts wrong codes against the account: 429 at LOGIN_FAILURE_ACCOUNT_MAX; the password step still answers', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user);
    const wrong = codeAt(secret, 12);
    const first = await passwordStep(t, user);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await verify(t, { mfaToken: first, code: wrong })).status);
    const second = await passwordStep(t, user);
    for (let i = 0; i < 2; i++)
      statuses.push((await verify(t, { mfaToken: second, code: wrong })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
    const refused = await verify(t, { mfaToken: second, code: codeAt(secret, 0) });
    expectErrorBody(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The right password is neither refused nor forgiving: its mfaToken meets the same 429.
    const third = await passwordStep(t, user);
    expectErrorBody(await verify(t, { mfaToken: third, code: codeAt(secret, 0) }), 429);
    expect(await eventsOf('auth.mfa.failure', user.id)).toBe(6);
  });

  it('takes a recovery code once, audited; regenerating kills the old set', async () => {
    const user = await registerAndLogin(t);
    const { secret, recoveryCodes } = await enrolTotp(t, user);
    const token = await passwordStep(t, user);
    const done = await verify(t, {
      mfaToken: token,
      recoveryCode: recoveryCodes[0].toUpperCase(),
    }).expect(200);
    expect(amrOf(done.body.accessToken)).toEqual(['pwd', 'rec']);
    expect(await eventsOf('auth.mfa.recovery_used', user.id)).toBe(1);
    const reuse = await passwordStep(t, user);
    expectErrorBody(await verify(t, { mfaToken: reuse, recoveryCode: recoveryCodes[0] }), 401);
    const stored = await sql<{ code_hash: string }>(
      t,
      'SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1',
      [user.id],
    );
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[1]);

    expectErrorBody(
      await request(t.url)
        .post('/api/auth/mfa/recovery-codes')
        .set(...bearer(user.accessToken))
        .send({ password: 'Wrong-Password-1!', code: codeAt(secret, 0) }),
      401,
    );
    const renewed = await request(t.url)
      .post('/api/auth/mfa/recovery-codes')
      .set(...bearer(user.accessToken))
      .send({ password: user.password, code: codeAt(secret, 0) })
      .expect(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    expect(await eventsOf('auth.mfa.recovery_regenerated', user.id)).toBe(1);
    const old = await passwordStep(t, user);
    expectErrorBody(await verify(t, { mfaToken: old, recoveryCode: recoveryCodes[1] }), 401);
    await verify(t, { mfaToken: old, recoveryCode: renewed.body.recoveryCodes[0] }).expect(200);
  });

  it('turns off with the password and a code; the password alone signs in again; notice mailed', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user);
    const off = (body: Record<string, string>) =>
      request(t.url)
        .delete('/api/auth/mfa/totp')
        .set(...bearer(user.accessToken))
        .send(body);
    const missing = await off({ password: user.password });
    expectErrorBody(missing, 401);
    expect(missing.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication"',
    );
    expectErrorBody(await off({ password: 'Wrong-Password-1!', code: codeAt(secret, 0) }), 401);
    expectErrorBody(await off({ password: user.password, code: codeAt(secret, 9) }), 401);
    await off({ password: user.password, code: codeAt(secret, 0) }).expect(204);
    expect(await eventsOf('auth.mfa.disabled', user.id)).toBe(1);
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(amrOf(login.body.accessToken)).toEqual(['pwd']);
    expect((await getMe(t, login.body.accessToken).expect(200)).body.mfaEnabled).toBe(false);
    await eventually(
      async () =>
        (await outboxRows(t.db, user.email)).find(
          (m) => m.purpose === 'mfa-disabled' && m.status === 'sent',
        ),
      15_000,
      'the mfa-disabled notice sent',
    );
  });

  it('steps up on reveal: with MFA on, the password alone is not enough', async () => {
    const user = await registerAndLogin(t);
    const { secret } = await enrolTotp(t, user);
    const reveal = (body: Record<string, string>) =>
      request(t.url)
        .post('/api/users/me/sensitive/reveal')
        .set(...bearer(user.accessToken))
        .send(body);
    expectErrorBody(await reveal({ password: user.password }), 401);
    expectErrorBody(await reveal({ password: user.password, code: codeAt(secret, 9) }), 401);
    await reveal({ password: user.password, code: codeAt(secret, 0) }).expect(200);
    expectErrorBody(await reveal({ password: user.password, code: codeAt(secret, 0) }), 401); // replay
  });

  it('admin routes need a second factor (MFA_REQUIRED_FOR_ADMINS); an admin resets a user: factors gone, sessions revoked, audited with the reason, the user notified', async () => {
    const admin = await loginAdmin(t);
    expect(amrOf(admin.accessToken)).toEqual(['pwd']);
    expectErrorBody(
      await request(t.url)
        .get('/api/users')
        .set(...bearer(admin.accessToken)),
      403,
    );
    const { secret } = await enrolTotp(t, admin);
    const adminToken = (
      await verify(t, { mfaToken: await passwordStep(t, admin), code: codeAt(secret, 0) }).expect(
        200,
      )
    ).body.accessToken as string;
    await request(t.url)
      .get('/api/users')
      .set(...bearer(adminToken))
      .expect(200);

    const user: LoggedIn = await registerAndLogin(t);
    await enrolTotp(t, user);
    const reason = 'Ticket 4711: lost phone; identity proven by video call against the ID on file';
    const reset = (id: string, token: string, body: object = { reason }) =>
      request(t.url)
        .post(`/api/users/${id}/mfa/reset`)
        .set(...bearer(token))
        .send(body);
    expectErrorBody(await reset(user.id, user.accessToken), 403);
    expectErrorBody(await reset(user.id, admin.accessToken), 403);
    expectErrorBody(await reset(user.id, adminToken, { reason: 'x'.repeat(501) }), 400);
    await reset(user.id, adminToken).expect(204);
    expectErrorBody(await getMe(t, user.accessToken), 401);
    const rows = await sql<{ n: number }>(
      t,
      `SELECT (SELECT count(*) FROM mfa_totp WHERE user_id = $1)
            + (SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1)
            + (SELECT count(*) FROM passkeys WHERE user_id = $1) AS n`,
      [user.id],
    );
    expect(Number(rows[0].n)).toBe(0);
    const [event] = await sql<{ metadata: Record<string, unknown> }>(
      t,
      `SELECT metadata FROM audit_events WHERE type = 'admin.user.mfa_reset' AND user_id = $1`,
      [admin.id],
    );
    expect(event.metadata).toMatchObject({ targetUserId: user.id, totpRemoved: true, reason });
    expect(Number(event.metadata.sessionsRevoked)).toBeGreaterThanOrEqual(1);
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(login.body.accessToken).toEqual(expect.any(String));
    await reset('00000000-0000-4000-8000-000000000000', adminToken).expect(404);
    const notice = await eventually(
      async () => (await outboxRows(t.db, user.email)).find((m) => m.purpose === 'mfa-reset'),
      15_000,
      'the mfa-reset notice queued',
    );
    expect(notice.subject).toMatch(/An administrator removed the two-step verification/);
  });

  it('keeps accounts without a factor on the one-step login', async () => {
    const user = await register(t);
    const res = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'tokenType',
    ]);
    expect(amrOf(res.body.accessToken)).toEqual(['pwd']);
  });

  it('documents both login answers in the OpenAPI document: a token pair or an MFA challenge', async () => {
    const doc = (await request(t.url).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const ok = doc.paths['/api/auth/login'].post.responses['200'] as {
      content: { 'application/json': { schema: { oneOf: Array<{ $ref: string }> } } };
    };
    expect(ok.content['application/json'].schema.oneOf.map((s) => s.$ref).sort()).toEqual([
      '#/components/schemas/MfaChallengeResponse',
      '#/components/schemas/TokenPair',
    ]);
    expect(Object.keys(doc.components.schemas.MfaChallengeResponse.properties).sort()).toEqual([
      'methods',
      'mfaRequired',
      'mfaToken',
    ]);
  });
});
