import request from 'supertest';
import { RELAXED_LIMITS, login, register } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * SameSite=Strict stops other sites' pages from sending the refresh cookie, but sibling
 * subdomains are the same site. A cookie refresh is therefore refused (403) from a foreign Origin
 * or a cross-site fetch; the body-token form is untouched (docs/API.md "Sessions and tokens").
 */
describe('refresh with the cookie from another origin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      PUBLIC_APP_URL: 'https://api.example.com',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(() => t.close());

  const cookieRefresh = async (headers: Record<string, string>) => {
    const session = await login(t, await register(t));
    let req = request(t.url)
      .post('/api/auth/refresh')
      .set('Cookie', `__Host-refresh_token=${session.refreshToken}`);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return { res: await req.send({}), session };
  };

  it.each([
    ['a sibling subdomain', { Origin: 'https://evil.example.com' }],
    ['an unrelated site', { Origin: 'https://attacker.test' }],
    ['a sandboxed frame (Origin: null)', { Origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('refuses %s with 403 and leaves the token unspent', async (_, headers) => {
    const { res, session } = await cookieRefresh(headers);
    expectErrorBody(res, 403);
    await request(t.url)
      .post('/api/auth/refresh')
      .send({ refreshToken: session.refreshToken })
      .expect(200);
  });

  it.each([
    ['its own origin (PUBLIC_APP_URL)', { Origin: 'https://api.example.com' }],
    [
      'an allow-listed origin',
      { Origin: 'https://app.example.com', 'Sec-Fetch-Site': 'same-site' },
    ],
    ['no Origin (a non-browser client)', {}],
  ])('accepts %s', async (_, headers) => {
    const { res } = await cookieRefresh(headers);
    expect(res.status).toBe(200);
  });

  it('leaves the body-token form alone, whatever the Origin', async () => {
    const session = await login(t, await register(t));
    await request(t.url)
      .post('/api/auth/refresh')
      .set('Origin', 'https://evil.example.com')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ refreshToken: session.refreshToken })
      .expect(200);
  });
});
