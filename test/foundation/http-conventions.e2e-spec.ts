import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health/live answers without dependencies', async () => {
    const res = await request(t.url).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('GET /health/ready checks the database', async () => {
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('echoes a well-formed X-Request-Id and replaces anything else', async () => {
    const echoed = await request(t.url)
      .get('/health/live')
      .set('X-Request-Id', 'trace-1.a_B')
      .expect(200);
    expect(echoed.headers['x-request-id']).toBe('trace-1.a_B');
    for (const bad of ['a'.repeat(65), 'has space', 'semi;colon', '']) {
      const res = await request(t.url).get('/health/live').set('X-Request-Id', bad).expect(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
  });

  it('answers an unknown route with the uniform error body', async () => {
    const res = await request(t.url)
      .get('/api/nothing-here')
      .set('X-Request-Id', 'req-404')
      .expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: expect.any(String),
      requestId: 'req-404',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/nothing-here/);
  });

  it('serves Swagger UI and the OpenAPI document outside the /api prefix', async () => {
    const doc = await request(t.url).get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/health/live']).toBeDefined();
    const ui = await request(t.url).get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger-ui');
    expect(ui.headers['content-security-policy']).toContain("script-src 'self'");
    expect(ui.headers['content-security-policy']).not.toContain('unsafe-eval');
  });

  // The Swagger UI assets are a directory served by @fastify/static under /docs/: no path, however
  // spelt, may answer with an index of its files (package.json, source maps, the ES bundles).
  it.each([
    '/docs/',
    '/docs/./',
    '/docs//',
    '/docs/%2e/',
    '/docs/static/',
    '/docs/swagger-ui-dist/',
    '/docs/node_modules/',
    '/api/',
    '/health/',
    '/',
  ])('never lists a directory: GET %s is the Swagger UI page or an error', async (path) => {
    const ui = (await request(t.url).get('/docs/').expect(200)).text;
    const res = await request(t.url).get(path);
    if (res.status === 200) expect(res.text).toBe(ui);
    else expect([403, 404]).toContain(res.status);
    expect(res.text).not.toMatch(/package\.json|\.js\.map|swagger-ui-es-bundle|LICENSE/);
  });
});
