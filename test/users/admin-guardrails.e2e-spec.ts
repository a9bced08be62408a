import request from 'supertest';
import { RELAXED_LIMITS, bearer, loginAdmin, sql } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

describe('admins cannot remove the last admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
  });
  afterAll(() => t.close());

  const patch = (token: string, id: string, body: object) =>
    request(t.url)
      .patch(`/api/users/${id}`)
      .set(...bearer(token))
      .send(body);

  it('an admin writing its own id in upper case is still refused (400) and stays admin', async () => {
    const admin = await loginAdmin(t);
    for (const body of [{ isActive: false }, { role: 'user' }])
      expectErrorBody(await patch(admin.accessToken, admin.id.toUpperCase(), body), 400);
    await request(t.url)
      .get('/api/users')
      .set(...bearer(admin.accessToken))
      .expect(200);
  });

  it('two admins demoting each other at once leave one admin, never none', async () => {
    for (let round = 0; round < 5; round++) {
      await sql(t, "UPDATE users SET role = 'user' WHERE role = 'admin'");
      const [a, b] = [await loginAdmin(t), await loginAdmin(t)];
      const answers = await Promise.all([
        patch(a.accessToken, b.id, { role: 'user' }),
        patch(b.accessToken, a.id, { role: 'user' }),
      ]);
      expect(answers.map((res) => res.status).sort()).toEqual([200, expect.any(Number)]);
      expect([400, 403]).toContain(answers.find((res) => res.status !== 200)?.status);
      const admins = await sql(t, "SELECT id FROM users WHERE role = 'admin' AND is_active");
      expect(admins).toHaveLength(1);
    }
  });
});
