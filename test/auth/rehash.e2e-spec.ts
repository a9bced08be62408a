import request from 'supertest';
import { DataSource } from 'typeorm';
import { register } from '../support/auth-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp } from '../support/test-app';

describe('bcrypt cost change', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('rehashes the password at the next successful login when BCRYPT_ROUNDS changed', async () => {
    const before = await startTestApp({ BCRYPT_ROUNDS: '4' }, db);
    const user = await register(before);
    await before.close();

    const after = await startTestApp({ BCRYPT_ROUNDS: '5' }, db);
    try {
      const hashOf = async (): Promise<string> =>
        (
          await after.app
            .get(DataSource)
            .query<Array<{ password_hash: string }>>(
              'SELECT password_hash FROM users WHERE id = $1',
              [user.id],
            )
        )[0].password_hash;
      expect(await hashOf()).toMatch(/^\$2b\$04\$/);
      await request(after.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: 'Not-The-Password-1!' })
        .expect(401);
      expect(await hashOf()).toMatch(/^\$2b\$04\$/); // a failed login changes nothing
      await request(after.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      expect(await hashOf()).toMatch(/^\$2b\$05\$/);
      await request(after.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
    } finally {
      await after.close();
    }
  });
});
