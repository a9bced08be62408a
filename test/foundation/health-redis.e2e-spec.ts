import { createServer } from 'node:net';
import request from 'supertest';
import { describeRedis } from '../support/redis';
import { startTestApp, type TestApp } from '../support/test-app';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('GET /health/ready with REDIS_URL', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  describeRedis('with Redis answering', () => {
    it('checks Redis too when it is configured', async () => {
      t = await startTestApp({ REDIS_URL: process.env.REDIS_URL as string });
      const res = await request(t.url).get('/health/ready').expect(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    });
  });

  it('stays ready with "redis": "down" when Redis does not answer (the limits count in memory)', async () => {
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up', redis: 'down' });
    await request(t.url).get('/health/live').expect(200); // liveness never depends on Redis
  });

  it('answers 503 with the uniform error body when Redis does not answer and REDIS_REQUIRED=true', async () => {
    t = await startTestApp({
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      REDIS_REQUIRED: 'true',
    });
    const res = await request(t.url).get('/health/ready').expect(503);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  });
});
