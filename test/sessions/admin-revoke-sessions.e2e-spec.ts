import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  getMe,
  login,
  loginAdmin,
  refreshWith,
  registerAndLogin,
  RELAXED_LIMITS,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

describe('POST /api/users/:id/sessions/revoke (admin)', () => {
  let t: TestApp;
  let admin: LoggedIn;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const revoke = (id: string, token?: string, body: object = {}) => {
    const req = request(t.url).post(`/api/users/${id}/sessions/revoke`);
    return (token ? req.set(...bearer(token)) : req).send(body);
  };

  it('204: every session of the user ends (access and refresh tokens), audited; the admin and others are untouched', async () => {
    const user = await registerAndLogin(t);
    const other = await login(t, user);
    const bystander = await registerAndLogin(t);
    await revoke(user.id, admin.accessToken).expect(204);
    for (const session of [user, other]) {
      expectErrorBody(await getMe(t, session.accessToken), 401);
      expectErrorBody(await refreshWith(t, session.refreshToken), 401);
    }
    await getMe(t, admin.accessToken).expect(200);
    await getMe(t, bystander.accessToken).expect(200);
    const [event] = await sql<{ metadata: Record<string, unknown> }>(
      t,
      `SELECT metadata FROM audit_events WHERE type = 'admin.user.sessions_revoked' AND user_id = $1
        ORDER BY seq DESC LIMIT 1`,
      [admin.id],
    );
    expect(event.metadata).toEqual({ targetUserId: user.id, sessionsRevoked: 2 });
    // The password still works: a new sign-in opens a new session.
    await getMe(t, (await login(t, user)).accessToken).expect(200);
  });

  it('404 for an unknown user, 400 for a malformed id', async () => {
    expectErrorBody(await revoke(randomUUID(), admin.accessToken), 404);
    expectErrorBody(await revoke('not-a-uuid', admin.accessToken), 400);
  });

  it('403 for a non-admin (even on their own id), 401 without a token', async () => {
    const user = await registerAndLogin(t);
    expectErrorBody(await revoke(user.id, user.accessToken), 403);
    expectErrorBody(await revoke(user.id), 401);
    await getMe(t, user.accessToken).expect(200);
  });

  it('is a sensitive operation: an admin session whose last proof is old must prove again', async () => {
    const user = await registerAndLogin(t);
    const stale = await loginAdmin(t);
    await sql(
      t,
      `UPDATE sessions SET password_proven_at = now() - interval '1 hour', factor_proven_at = NULL
        WHERE user_id = $1`,
      [stale.id],
    );
    const refused = await revoke(user.id, stale.accessToken);
    expectErrorBody(refused, 401);
    expect(refused.headers['www-authenticate']).toMatch(/insufficient_user_authentication/);
    await getMe(t, user.accessToken).expect(200);
    await revoke(user.id, stale.accessToken, { password: stale.password }).expect(204);
    expectErrorBody(await getMe(t, user.accessToken), 401);
  });
});
