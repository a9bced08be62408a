import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { adminToken, bearer, RELAXED_LIMITS, registerAndLogin } from '../support/auth-helpers';
import { expectUniformError as expectSharedUniformError } from '../support/error-body';
import { startTestApp, type TestApp } from '../support/test-app';

const ALLOWED_ORIGIN = 'https://app.example.com';
const FIXED_HEADERS = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-dns-prefetch-control': 'off',
  'x-xss-protection': '0',
};
const API_HEADERS = {
  ...FIXED_HEADERS,
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};
/** The shared uniform-error check, plus this spec's own: the exact charset, and no echoed input. */
function expectUniformError(res: request.Response, status: number): void {
  expectSharedUniformError(res, status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.text).not.toMatch(/stack|secret-value/);
}

const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('HTTP hardening', () => {
  let t: TestApp;
  let token: string;
  // Limits raised: this suite sends many requests to POST /api/auth/login from one address and tests
  // the HTTP layer, not the rate limiter (test/rate-limit has its own suite).
  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://admin.example.com`,
    });
    token = (await registerAndLogin(t)).accessToken;
  });
  afterAll(() => t.close());

  describe('security headers', () => {
    it.each([
      ['GET', '/api/users/me', 200, true],
      ['GET', '/api/users/me', 401, false],
      ['POST', '/api/auth/login', 400, false],
      ['GET', '/api/nothing-here', 404, false],
      ['GET', '/health/live', 200, false],
      ['GET', '/health/ready', 200, false],
    ] as const)(
      '%s %s (%d) carries every security header',
      async (method, path, status, authed) => {
        const req = request(t.url)[method === 'GET' ? 'get' : 'post'](path);
        if (authed) req.set(...bearer(token));
        const res = await req.expect(status);
        expect(res.headers).toMatchObject(API_HEADERS);
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['x-request-id']).toBeDefined();
      },
    );

    it.each(['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css', '/docs-json'])(
      '%s gets the fixed headers and the docs CSP',
      async (path) => {
        const res = await request(t.url).get(path).expect(200);
        expect(res.headers).toMatchObject(FIXED_HEADERS);
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['x-request-id']).toBeDefined();
        const csp = res.headers['content-security-policy'];
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).toContain("base-uri 'none'");
        expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|\*|https?:/);
      },
    );
  });

  describe('CORS', () => {
    it('reflects an allow-listed origin, with credentials', async () => {
      const res = await request(t.url)
        .get('/api/users/me')
        .set(...bearer(token))
        .set('Origin', ALLOWED_ORIGIN)
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-expose-headers']).toMatch(/RateLimit-Remaining/);
      expect(res.headers['vary']).toMatch(/Origin/);
    });

    it.each([
      'https://evil.example',
      'null',
      'https://app.example.com.evil.example',
      'http://app.example.com',
    ])('never reflects %s', async (origin) => {
      const res = await request(t.url)
        .get('/api/users/me')
        .set(...bearer(token))
        .set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('answers a preflight from an allowed origin', async () => {
      const res = await request(t.url)
        .options('/api/auth/login')
        .set('Origin', ALLOWED_ORIGIN)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,authorization')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
      expect(res.headers['access-control-max-age']).toBe('600');
    });

    it.each(['https://evil.example', 'null'])(
      'gives a preflight from %s nothing to go on',
      async (origin) => {
        const res = await request(t.url)
          .options('/api/auth/login')
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'POST');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
      },
    );
  });

  // JSON routes of the real app's pipeline (parser, guard, validation pipe, filter).
  describe.each(['/api/auth/login', '/api/auth/register'])('hostile input on POST %s', (path) => {
    const post = () => request(t.url).post(path);

    it('413 for a body over 100 KiB', async () => {
      const res = await post()
        .set('Content-Type', 'application/json')
        .send(`{"value":"${'x'.repeat(101 * 1024)}"}`);
      expectUniformError(res, 413);
      expect(res.body.message).toBe('Request body exceeds the 100 KiB limit');
    });

    it.each([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ])('415 for Content-Type %s', async (type) => {
      const res = await post().set('Content-Type', type).send('value=x');
      expectUniformError(res, 415);
      expect(res.body.message).toBe('Content-Type must be application/json');
    });

    it('415 for a body without Content-Type', async () => {
      const res = await post().set('Content-Type', '').send(Buffer.from('{"value":"x"}'));
      expectUniformError(res, 415);
    });

    it.each(['{"value":', '{value:"x"}', "{'value':'x'}", 'null x', '{"value":"secret-value"'])(
      '400 for malformed JSON %s',
      async (text) => {
        const res = await post().set('Content-Type', 'application/json').send(text);
        expectUniformError(res, 400);
        expect(res.body.message).toBe('Request body is not valid JSON');
      },
    );

    it.each([
      '{"value":"x","__proto__":{"isAdmin":true}}',
      '{"value":"x","nested":{"__proto__":{"isAdmin":true}}}',
      '{"value":"x","constructor":{"prototype":{"isAdmin":true}}}',
    ])('400 for a forbidden key: %s', async (text) => {
      const res = await post().set('Content-Type', 'application/json').send(text);
      expectUniformError(res, 400);
      expect(res.body.message).toBe('Request body contains a forbidden key');
    });

    it('400 for nesting deeper than 32 levels, objects or arrays', async () => {
      for (const text of [nested(33), '['.repeat(33) + ']'.repeat(33), nested(5000)]) {
        const res = await post().set('Content-Type', 'application/json').send(text);
        expectUniformError(res, 400);
        expect(res.body.message).toBe('Request body is nested deeper than 32 levels');
      }
    });

    it('lets 32 levels through to validation', async () => {
      const res = await post().set('Content-Type', 'application/json').send(nested(32));
      expect(res.body.message).not.toBe('Request body is nested deeper than 32 levels');
    });
  });

  describe('methods and routes', () => {
    it.each(['TRACE', 'DELETE', 'PUT', 'PATCH'])(
      '%s on a POST route → 404 with the uniform body',
      async (method) => {
        const res = await request(t.url)[
          method.toLowerCase() as 'trace' | 'delete' | 'put' | 'patch'
        ]('/api/auth/login');
        expectUniformError(res, 404);
        expect(res.body.message).toBe('Route not found');
      },
    );

    it.each(['TRACE', 'DELETE'])('%s on /health/live → 404', async (method) => {
      const res = await request(t.url)[method.toLowerCase() as 'trace' | 'delete']('/health/live');
      expectUniformError(res, 404);
    });

    it('does not reflect an unknown path, and answers a malformed URL with 400', async () => {
      const res = await request(t.url).get('/api/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
      expectUniformError(res, 404);
      expect(JSON.stringify(res.body)).not.toMatch(/script/i);
    });

    it.each(['/api/%E0%A4%A', '/health/%E0%A4%A', '/docs/%E0%A4%A'])(
      'answers the malformed URL %s with the uniform 400 and all headers',
      async (path) => {
        const res = await request(t.url).get(path).set('X-Request-Id', 'bad-url-1');
        expectUniformError(res, 400);
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Malformed URL',
          requestId: 'bad-url-1',
        });
        expect(res.headers).toMatchObject(API_HEADERS);
      },
    );

    it('answers an over-long path parameter with the uniform 414', async () => {
      const res = await request(t.url)
        .get(`/api/users/${'a'.repeat(300)}`)
        .set(...bearer(token));
      expectUniformError(res, 414);
      expect(JSON.stringify(res.body)).not.toContain('aaaa');
      expect(res.headers).toMatchObject(API_HEADERS);
    });

    it('answers 400 without echoing the values of a validation failure', async () => {
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: 42, password: 'secret-value', passwordConfirmation: 'secret-value' });
      expectUniformError(res, 400);
      expect(res.body.message).toEqual(
        expect.arrayContaining(['property passwordConfirmation is not allowed']),
      );
    });
  });

  // Fastify decodes the URL once, before routing and validation; nothing decodes it again. A
  // double-encoded character stays one level encoded, so it can neither name another route nor
  // turn into a valid value after validation.
  describe('canonical form: the URL is decoded exactly once', () => {
    const securityLogEntry = async (requestId: string): Promise<Record<string, unknown>> => {
      for (let waited = 0; waited < 5_000; waited += 50) {
        const entry = readFileSync(join(t.env.LOG_DIR, 'security.log'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .find((line) => line.requestId === requestId);
        if (entry) return entry;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${requestId} never reached the security log`);
    };
    const login = { email: 'nobody@example.com', password: 'Wrong-Password-1!' };

    it('routes a percent-encoded path once decoded, and a double-encoded one nowhere (404, never the route)', async () => {
      await request(t.url)
        .post('/api/auth/%6cogin')
        .set('X-Request-Id', 'canonical-once')
        .send(login)
        .expect(401);
      expect(await securityLogEntry('canonical-once')).toMatchObject({ message: 'auth attempt' });

      const res = await request(t.url)
        .post('/api/auth/%256cogin')
        .set('X-Request-Id', 'canonical-twice')
        .send(login);
      expectUniformError(res, 404);
      expect(await securityLogEntry('canonical-twice')).toMatchObject({
        message: 'request failed',
        path: '/api/auth/%256cogin',
        status: 404,
      });
    });

    it('validates a query value once decoded: ?limit=%32 is 2, ?limit=%2532 is refused', async () => {
      const admin = await adminToken(t);
      const once = await request(t.url)
        .get('/api/users?limit=%32')
        .set(...bearer(admin))
        .expect(200);
      expect(once.body).toMatchObject({ limit: 2 });
      const twice = await request(t.url)
        .get('/api/users?limit=%2532')
        .set(...bearer(admin));
      expectUniformError(twice, 400);
    });
  });
});
