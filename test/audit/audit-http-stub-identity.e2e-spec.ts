import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { createApp } from '../../src/app.setup';
import { AuditService } from '../../src/audit/audit.service';
import { loadEnv } from '../../src/config/load-env';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Until the auth branch lands there is no way to log in, so this variant of the real app (same
 * createApp, same AppModule) gets a stub identity from a test-only `x-test-role` header, set where
 * the JwtAuthGuard will set it (request.user). It exercises the controller, the query DTO and the
 * audit access guard now; audit-http.e2e-spec.ts repeats the checks with real tokens later.
 */
describe('audit HTTP API with a stub identity', () => {
  let app: NestFastifyApplication;
  let db: TestDatabase;
  let url: string;
  const USER_A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

  beforeAll(async () => {
    db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'snf-app-'));
    const env = loadEnv({
      NODE_ENV: 'test',
      DATA_DIR: join(dir, 'data'),
      LOG_DIR: join(dir, 'logs'),
      LOG_LEVEL: 'error',
      DATABASE_URL: db.url,
      DATABASE_SSL_CA: db.caFile ?? '',
    });
    app = await createApp(AppModule.forRoot(env), env);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('preHandler', (req, _reply, done) => {
        const role = req.headers['x-test-role'];
        if (typeof role === 'string')
          (req as unknown as { user: object }).user = { id: USER_A, role };
        done();
      });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const audit = app.get(AuditService);
    for (let i = 0; i < 3; i++)
      await audit.record({
        type: 'auth.login.success',
        userId: USER_A,
        client: { ip: '198.51.100.1', userAgent: 'ua', requestId: `r${i}` },
        metadata: { i },
      });
    await audit.record({ type: 'auth.login.failure', metadata: { reason: 'bad_credentials' } });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const asAdmin = (path: string) => request(url).get(path).set('x-test-role', 'admin');

  it('lists events newest first with the API.md shape and paging', async () => {
    const res = await asAdmin('/api/audit/events?limit=2&page=2').expect(200);
    expect(res.body).toMatchObject({ total: 4, page: 2, limit: 2 });
    expect(
      (res.body.items as Array<{ metadata: { i?: number } }>).map(
        (e: { metadata: { i?: number } }) => e.metadata.i,
      ),
    ).toEqual([1, 0]);
    expect(res.body.items[0]).toEqual({
      id: expect.any(String),
      type: 'auth.login.success',
      userId: USER_A,
      ip: '198.51.100.1',
      userAgent: 'ua',
      requestId: 'r1',
      metadata: { i: 1 },
      createdAt: expect.stringMatching(/Z$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prevHash: expect.any(String),
    });
    expect((await asAdmin('/api/audit/events').expect(200)).body.limit).toBe(20);
  });

  it('filters by type, userId and time range', async () => {
    expect(
      (await asAdmin('/api/audit/events?type=auth.login.failure').expect(200)).body.total,
    ).toBe(1);
    expect((await asAdmin(`/api/audit/events?userId=${USER_A}`).expect(200)).body.total).toBe(3);
    expect(
      (await asAdmin('/api/audit/events?from=2999-01-01T00:00:00Z').expect(200)).body.total,
    ).toBe(0);
    expect(
      (await asAdmin('/api/audit/events?to=2999-01-01T00:00:00Z').expect(200)).body.total,
    ).toBe(4);
  });

  it.each([
    'limit=101',
    'limit=0',
    'page=0',
    'page=1.5',
    'type=auth.nope',
    'userId=not-a-uuid',
    'from=yesterday',
    'unknown=1',
    'type=auth.logout&type=auth.refresh',
    'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z',
  ])('rejects ?%s with 400', async (query) => {
    const res = await asAdmin(`/api/audit/events?${query}`).expect(400);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  });

  it('verifies the chain', async () => {
    expect((await asAdmin('/api/audit/verify').expect(200)).body).toEqual({
      valid: true,
      count: 4,
      firstInvalidId: null,
    });
  });

  it.each(['/api/audit/events', '/api/audit/verify'])(
    '%s answers 403 to a non-admin and 401 to nobody',
    async (path) => {
      await request(url).get(path).set('x-test-role', 'user').expect(403);
      await request(url).get(path).expect(401);
    },
  );
});
