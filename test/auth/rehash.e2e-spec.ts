import request from 'supertest';
import { DataSource } from 'typeorm';
import { SIGN_IN_ERRORS } from '../../src/sign-in/sign-in-errors';
import { register } from '../support/auth-helpers';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp } from '../support/test-app';

describe('password hashes renewed at sign-in', () => {
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

  it('after a pepper rotation, a sign-in moves the hash to the new pepper; once the old one is dropped, hashes left on it are refused', async () => {
    const before = await startTestApp({ BCRYPT_ROUNDS: '4' }, db);
    const oldPepper = before.env.PASSWORD_PEPPER;
    const moved = await register(before);
    const stayed = await register(before);
    await before.close();

    const newPepper = `${oldPepper.slice(16)}-rotated-${oldPepper.slice(0, 16)}`;
    const rotation = {
      BCRYPT_ROUNDS: '4',
      PASSWORD_PEPPER: newPepper,
      PASSWORD_PEPPER_ID: 'p2',
      PASSWORD_PEPPERS_PREVIOUS: `p1:${oldPepper}`,
    };
    const during = await startTestApp(rotation, db);
    const hashOf = async (id: string): Promise<string> =>
      (
        await during.app
          .get(DataSource)
          .query<Array<{ password_hash: string }>>(
            'SELECT password_hash FROM users WHERE id = $1',
            [id],
          )
      )[0].password_hash;
    try {
      expect(await hashOf(moved.id)).toMatch(/^\$2b\$04\$.{53}#p1$/);
      await request(during.url)
        .post('/api/auth/login')
        .send({ email: moved.email, password: moved.password })
        .expect(200);
      expect(await hashOf(moved.id)).toMatch(/^\$2b\$04\$.{53}#p2$/);
      expect(await hashOf(stayed.id)).toMatch(/#p1$/);
    } finally {
      await during.close();
    }

    const after = await startTestApp({ ...rotation, PASSWORD_PEPPERS_PREVIOUS: '' }, db);
    try {
      await request(after.url)
        .post('/api/auth/login')
        .send({ email: moved.email, password: moved.password })
        .expect(200);
      const refused = await request(after.url)
        .post('/api/auth/login')
        .send({ email: stayed.email, password: stayed.password });
      expect(refused.status).toBe(401);
      expect(refused.body.message).toBe(SIGN_IN_ERRORS.INVALID_CREDENTIALS);
    } finally {
      await after.close();
    }
  });
});
