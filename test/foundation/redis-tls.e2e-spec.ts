import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { startTlsRedis, type TlsRedis } from '../support/tls-redis';

/**
 * REDIS_URL=rediss://: the connection verifies the server's certificate (REDIS_CA, or the system
 * CAs) and its name, and takes only the TLS versions and suites of the service's outbound policy.
 * A real redis-server speaking only TLS, on loopback.
 */
describe('Redis over TLS (rediss://)', () => {
  const ready = async (t: TestApp) => (await request(t.url).get('/health/ready')).body as object;
  const failedLogin = (t: TestApp) =>
    request(t.url)
      .post('/api/auth/login')
      .send({ email: `nobody.${Math.random()}@example.org`, password: 'Some-Password-1!' });

  /** An app on `redis`, closed after `check`. */
  async function withApp(env: Record<string, string>, check: (t: TestApp) => Promise<void>) {
    const t = await startTestApp(env);
    try {
      await check(t);
    } finally {
      await t.close();
    }
  }

  describe('a server with a certificate from REDIS_CA', () => {
    let redis: TlsRedis;
    beforeAll(async () => {
      redis = await startTlsRedis();
    });
    afterAll(() => redis.close());

    it('is used: readiness says redis up, and the login counters land in it', async () => {
      await withApp({ REDIS_URL: redis.url, REDIS_CA: redis.caFile }, async (t) => {
        expect(await ready(t)).toEqual({ status: 'ok', database: 'up', redis: 'up' });
        await failedLogin(t).expect(401);
        const client = redis.client();
        try {
          await client.connect();
          expect((await client.keys('throttle:*')).length).toBeGreaterThan(0);
        } finally {
          client.disconnect();
        }
      });
    });

    it('without REDIS_CA its certificate is not trusted: redis down, counting in memory', async () => {
      await withApp({ REDIS_URL: redis.url }, async (t) => {
        expect(await ready(t)).toEqual({ status: 'ok', database: 'up', redis: 'down' });
        await failedLogin(t).expect(401);
      });
    });

    it('a name the certificate does not carry is refused', async () => {
      const otherName = redis.url.replace('localhost', '127.0.0.1'); // the same server
      await withApp({ REDIS_URL: otherName, REDIS_CA: redis.caFile }, async (t) => {
        expect(await ready(t)).toMatchObject({ redis: 'down' });
      });
    });
  });

  it('a server that offers only a CBC suite on TLS 1.2 is refused (AEAD suites only)', async () => {
    const cbcOnly = await startTlsRedis([
      ...['--tls-protocols', 'TLSv1.2'],
      ...['--tls-ciphers', 'ECDHE-ECDSA-AES256-SHA384'],
    ]);
    try {
      await withApp({ REDIS_URL: cbcOnly.url, REDIS_CA: cbcOnly.caFile }, async (t) => {
        expect(await ready(t)).toMatchObject({ redis: 'down' });
      });
    } finally {
      await cbcOnly.close();
    }
  });
});
