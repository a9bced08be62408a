import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service';
import { adminToken, userToken } from '../support/auth-helpers';
import { AUDIT_EVENT_KEYS } from '../support/response-shapes';
import { startTestApp, type TestApp } from '../support/test-app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const USER_A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const ERROR_BODY = {
  statusCode: expect.any(Number),
  error: expect.any(String),
  message: expect.anything(),
  requestId: expect.any(String),
};

describe('audit HTTP API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const audit = t.app.get(AuditService);
    const client = { ip: '198.51.100.1', userAgent: 'http-e2e', requestId: 'req-http' };
    for (let i = 0; i < 3; i++)
      await audit.record({ type: 'auth.login.success', userId: USER_A, client, metadata: { i } });
    await audit.record({
      type: 'auth.login.failure',
      client,
      metadata: { reason: 'bad_credentials' },
    });
  });
  afterAll(() => t.close());

  describe('without a token (runs on every branch)', () => {
    it.each(['/api/audit/events', '/api/audit/verify'])(
      '%s answers 401 with the uniform error body, never data',
      async (path) => {
        const res = await request(t.url).get(path).expect(401);
        expect(res.body).toEqual(ERROR_BODY);
      },
    );

    it('documents both routes in OpenAPI: tag, bearer security, DTO schemas, 400/401/403', async () => {
      const doc = (await request(t.url).get('/docs-json').expect(200)).body;
      const list = doc.paths['/api/audit/events'].get;
      const verify = doc.paths['/api/audit/verify'].get;
      for (const op of [list, verify]) {
        expect(op.tags).toEqual(['audit']);
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
      }
      expect(list.responses['400']).toBeDefined();
      expect(
        (list.parameters as Array<{ name: string }>).map((p: { name: string }) => p.name).sort(),
      ).toEqual(['from', 'limit', 'page', 'to', 'type', 'userId']);
      const event = doc.components.schemas.AuditEventResponse;
      expect(Object.keys(event.properties).sort()).toEqual(AUDIT_EVENT_KEYS);
      expect(Object.keys(doc.components.schemas.AuditVerifyResponse.properties).sort()).toEqual([
        'count',
        'firstInvalidId',
        'valid',
      ]);
      expect(Object.keys(doc.components.schemas.AuditEventPageResponse.properties).sort()).toEqual([
        'items',
        'limit',
        'page',
        'total',
      ]);
    });
  });

  describe('with tokens', () => {
    let admin: string;
    let user: string;
    beforeAll(async () => {
      admin = await adminToken(t);
      user = await userToken(t);
    });
    const get = (path: string, token = admin) =>
      request(t.url).get(path).set('Authorization', `Bearer ${token}`);

    it('GET /api/audit/events pages newest first with the AuditEvent shape', async () => {
      const res = await get('/api/audit/events?limit=2').expect(200);
      expect(res.body).toMatchObject({ page: 1, limit: 2 });
      expect(res.body.total).toBeGreaterThanOrEqual(4);
      expect(res.body.items).toHaveLength(2);
      const [item] = res.body.items;
      expect(Object.keys(item).sort()).toEqual(AUDIT_EVENT_KEYS);
      expect(item.createdAt).toMatch(ISO_UTC);
      expect(item.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('filters by type, userId and time range', async () => {
      const byType = await get('/api/audit/events?type=auth.login.failure').expect(200);
      expect(
        (byType.body.items as Array<{ type: string }>).every(
          (e: { type: string }) => e.type === 'auth.login.failure',
        ),
      ).toBe(true);
      expect(byType.body.total).toBeGreaterThanOrEqual(1);
      const byUser = await get(`/api/audit/events?userId=${USER_A}`).expect(200);
      expect(byUser.body.total).toBe(3);
      const future = await get('/api/audit/events?from=2999-01-01T00:00:00Z').expect(200);
      expect(future.body).toMatchObject({ items: [], total: 0 });
      const past = await get('/api/audit/events?to=2000-01-01T00:00:00Z').expect(200);
      expect(past.body.total).toBe(0);
    });

    it.each([
      'limit=101',
      'limit=0',
      'page=0',
      'page=abc',
      'type=auth.nope',
      'userId=not-a-uuid',
      'from=yesterday',
      'unknown=1',
      'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z',
    ])('rejects ?%s with 400', async (query) => {
      const res = await get(`/api/audit/events?${query}`).expect(400);
      expect(res.body).toEqual(ERROR_BODY);
    });

    it('GET /api/audit/verify reports a valid chain', async () => {
      const res = await get('/api/audit/verify').expect(200);
      expect(res.body).toEqual({ valid: true, count: expect.any(Number), firstInvalidId: null });
    });

    it.each(['/api/audit/events', '/api/audit/verify'])(
      '%s answers 403 to a non-admin',
      async (path) => {
        await get(path, user).expect(403);
      },
    );
  });
});
