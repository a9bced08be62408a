import { expectErrorBody } from '../support/error-body';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RELAXED_LIMITS } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

/** The only operations reachable without an access token (docs/API.md "Route families"). */
const PUBLIC = new Set([
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  // Account lifecycle: the link routes carry their one-time token in the body.
  'POST /api/auth/email/verify',
  'POST /api/auth/password/forgot',
  'POST /api/auth/password/reset',
  'POST /api/auth/email/change/confirm',
  // The second step of a login and passkey sign-in: the mfaToken (or the passkey) is the credential.
  'POST /api/auth/mfa/verify',
  'POST /api/auth/passkeys/authentication/options',
  'POST /api/auth/passkeys/authentication/verify',
  // Sign-in with an identity provider: the browser's flow and result cookies are the credentials.
  'GET /api/auth/oidc/providers',
  'GET /api/auth/oidc/{id}/authorize',
  'GET /api/auth/oidc/{id}/callback',
  'POST /api/auth/oidc/exchange',
  'GET /health/live',
  'GET /health/ready',
  // The public keys that verify access tokens: what other services fetch.
  'GET /.well-known/jwks.json',
]);

interface Operation {
  key: string;
  method: Method;
  path: string;
  security?: Array<Record<string, string[]>>;
}

describe('route protection, driven by the OpenAPI document', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Partial<Record<Method, { security?: Array<Record<string, string[]>> }>>>;
    components?: { securitySchemes?: Record<string, unknown> };
  };
  let operations: Operation[];
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    doc = (await request(t.url).get('/docs-json').expect(200)).body;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({
        key: `${method.toUpperCase()} ${path}`,
        method,
        path,
        security: item[method]?.security,
      })),
    );
  });
  afterAll(() => t.close());

  const protectedOps = (): Operation[] => operations.filter((op) => !PUBLIC.has(op.key));
  const fill = (path: string): string => path.replace(/\{[^}]+\}/g, () => randomUUID());
  const send = (op: Operation, headers: Record<string, string> = {}) => {
    let req = request(t.url)[op.method](fill(op.path));
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return ['post', 'put', 'patch'].includes(op.method) ? req.send({}) : req;
  };

  it('the document lists every public operation and the Auth and Users operations', () => {
    const keys = operations.map((op) => op.key);
    for (const key of PUBLIC) expect(keys).toContain(key);
    for (const key of [
      'POST /api/auth/logout',
      'POST /api/auth/logout-all',
      'GET /api/auth/sessions',
      'DELETE /api/auth/sessions/{id}',
      'GET /api/users/me',
      'PATCH /api/users/me',
      'POST /api/users/me/password',
      'POST /api/users/me/email',
      'POST /api/auth/email/verify/resend',
      'GET /api/users',
      'GET /api/users/{id}',
      'PATCH /api/users/{id}',
    ]) {
      expect(keys).toContain(key);
    }
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('every non-public operation declares the bearer security scheme', () => {
    const missing = protectedOps()
      .filter((op) => !(op.security ?? []).some((requirement) => 'bearer' in requirement))
      .map((op) => op.key);
    expect(missing).toEqual([]);
  });

  it('no public operation demands a bearer token in the document', () => {
    const demanding = operations
      .filter(
        (op) =>
          PUBLIC.has(op.key) && (op.security ?? []).some((requirement) => 'bearer' in requirement),
      )
      .map((op) => op.key);
    expect(demanding).toEqual([]);
  });

  it('every non-public operation answers 401 with the uniform error body without a token', async () => {
    expect(protectedOps().length).toBeGreaterThanOrEqual(10);
    const wrong: string[] = [];
    for (const op of protectedOps()) {
      const res = await send(op, { 'X-Request-Id': 'no-token-probe' });
      if (res.status !== 401) {
        wrong.push(`${op.key} → ${res.status}`);
        continue;
      }
      expectErrorBody(res, 401);
      expect(res.body.requestId).toBe('no-token-probe');
      expect(res.headers['www-authenticate'] ?? '').not.toMatch(/error_description/);
    }
    expect(wrong).toEqual([]);
  });

  it('every non-public operation answers 401 to a garbage or unsigned bearer token too', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"typ":"access"}').toString('base64url')}.`;
    const wrong: string[] = [];
    for (const op of protectedOps()) {
      for (const token of ['garbage', unsigned]) {
        const res = await send(op, { Authorization: `Bearer ${token}` });
        if (res.status !== 401) wrong.push(`${op.key} (${token.slice(0, 8)}) → ${res.status}`);
        else expectErrorBody(res, 401);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the public operations are reachable without a token (never 401 for lack of one)', async () => {
    expect((await request(t.url).get('/health/live')).status).toBe(200);
    expect((await request(t.url).get('/health/ready')).status).toBe(200);
    expect((await request(t.url).post('/api/auth/register').send({})).status).toBe(400);
    expect((await request(t.url).post('/api/auth/login').send({})).status).toBe(400);
    // refresh without any token is a 401 about the refresh token, not about a bearer token
    const refresh = await request(t.url)
      .post('/api/auth/refresh')
      .send({ refreshToken: 'B'.repeat(43) });
    expect(refresh.status).toBe(401);
    expect(refresh.body.message).not.toBe((await request(t.url).get('/api/users/me')).body.message);
  });
});
