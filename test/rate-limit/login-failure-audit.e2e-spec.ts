import request from 'supertest';
import { DataSource } from 'typeorm';
import { register } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

describe('per-account login throttle audits each block once', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      LOGIN_FAILURE_MAX: '2',
      AUTH_RATE_LIMIT_MAX: '1000',
      RATE_LIMIT_MAX: '1000',
    });
  });
  afterAll(() => t.close());

  it('12 refused logins for one account write one security.rate_limited event, not ten', async () => {
    const user = await register(t);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: 'Wrong-Password-99!' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, ...Array(10).fill(429)]);
    const rows = await t.app
      .get(DataSource)
      .query<Array<{ type: string; count: string }>>(
        "SELECT type, count(*) FROM audit_events WHERE type IN ('auth.login.failure', 'security.rate_limited') GROUP BY type ORDER BY type",
      );
    expect(rows.map((r) => [r.type, Number(r.count)])).toEqual([
      ['auth.login.failure', 2],
      ['security.rate_limited', 1],
    ]);
  });
});
