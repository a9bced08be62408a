import { expectErrorBody } from '../support/error-body';
import { randomBytes, randomUUID } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import request from 'supertest';
import {
  RELAXED_LIMITS,
  decodeJwt,
  getMe,
  registerAndLogin,
  type LoggedIn,
} from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

describe('forged and misused access tokens', () => {
  let t: TestApp;
  let user: LoggedIn;
  let other: LoggedIn;
  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    user = await registerAndLogin(t);
    other = await registerAndLogin(t);
  });
  afterAll(() => t.close());

  /** The claims a genuine token for `user` carries, with `changes` applied (undefined deletes a claim). */
  function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
    const iat = now();
    const base: Record<string, unknown> = {
      sub: user.id,
      sid: decodeJwt(user.accessToken).payload.sid,
      typ: 'access',
      iss: t.env.JWT_ISSUER,
      aud: t.env.JWT_AUDIENCE,
      iat,
      nbf: iat,
      exp: iat + 900,
      ...changes,
    };
    for (const [k, v] of Object.entries(changes)) if (v === undefined) delete base[k];
    return base;
  }

  function sign(
    payload: Record<string, unknown>,
    secret = t.env.JWT_SECRET,
    algorithm: Algorithm = 'HS256',
  ): string {
    return jwt.sign(payload, secret, { algorithm, header: { alg: algorithm, typ: 'at+jwt' } });
  }

  async function expect401(token: string): Promise<void> {
    const res = await getMe(t, token);
    const body = expectErrorBody(res, 401);
    // One message for every cause: the same as for no token at all, naming no jsonwebtoken detail.
    const none = await request(t.url).get('/api/users/me');
    expect(body.message).toBe(none.body.message);
    expect(JSON.stringify(body)).not.toMatch(
      /jwt |signature|malformed|algorithm|audience|issuer|not active|stack/i,
    );
  }

  it('control: a token forged with the right secret and claims is accepted (so the 401s below mean something)', async () => {
    const res = await getMe(t, sign(claims())).expect(200);
    expect(res.body.id).toBe(user.id);
  });

  it('401 for alg "none" (unsigned)', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
    await expect401(unsigned);
    await expect401(`${b64url({ alg: 'none' })}.${b64url(claims())}`);
    // An alg:none header glued onto a valid signature
    const genuine = sign(claims()).split('.');
    await expect401(`${b64url({ alg: 'none', typ: 'JWT' })}.${genuine[1]}.${genuine[2]}`);
  });

  it('401 for a token signed with the wrong secret', async () => {
    await expect401(sign(claims(), randomBytes(32).toString('hex')));
    await expect401(sign(claims(), t.env.JWT_REFRESH_SECRET));
  });

  it('401 for another HMAC algorithm with the right secret (HS256 is pinned)', async () => {
    await expect401(sign(claims(), t.env.JWT_SECRET, 'HS384'));
    await expect401(sign(claims(), t.env.JWT_SECRET, 'HS512'));
  });

  it('401 for a tampered payload under the original signature', async () => {
    const [header, , signature] = user.accessToken.split('.');
    await expect401(
      `${header}.${b64url(claims({ sub: other.id, sid: decodeJwt(other.accessToken).payload.sid }))}.${signature}`,
    );
  });

  it('401 for a wrong or missing iss', async () => {
    await expect401(sign(claims({ iss: `${t.env.JWT_ISSUER}-evil` })));
    await expect401(sign(claims({ iss: undefined })));
  });

  it('401 for a wrong or missing aud', async () => {
    await expect401(sign(claims({ aud: `${t.env.JWT_AUDIENCE}-other` })));
    await expect401(sign(claims({ aud: undefined })));
  });

  it('401 for an expired token, or one without exp', async () => {
    await expect401(sign(claims({ iat: now() - 1000, nbf: now() - 1000, exp: now() - 100 })));
    await expect401(sign(claims({ iat: now() - 1000, nbf: now() - 1000, exp: now() - 1 })));
    await expect401(sign(claims({ exp: undefined })));
  });

  it('401 for a token not valid yet (nbf in the future)', async () => {
    await expect401(sign(claims({ nbf: now() + 600 })));
  });

  it.each([
    ['missing', undefined],
    ['refresh', 'refresh'],
    ['ACCESS', 'ACCESS'],
    ['id', 'id'],
  ])('401 for typ %s', async (_label, typ) => {
    await expect401(sign(claims({ typ })));
  });

  it('401 for the sub of another user with this user’s valid sid (and the reverse)', async () => {
    await expect401(sign(claims({ sub: other.id })));
    await expect401(sign(claims({ sid: decodeJwt(other.accessToken).payload.sid })));
    // both users still work with their own tokens
    await getMe(t, user.accessToken).expect(200);
    await getMe(t, other.accessToken).expect(200);
  });

  it('401 for an unknown or malformed sid or sub', async () => {
    await expect401(sign(claims({ sid: randomUUID() })));
    await expect401(sign(claims({ sid: undefined })));
    await expect401(sign(claims({ sid: "x' OR '1'='1" })));
    await expect401(sign(claims({ sub: randomUUID() })));
    await expect401(sign(claims({ sub: 'not-a-uuid' })));
  });

  it('401 for garbage and for the wrong scheme', async () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer not.a.jwt',
      `Basic ${user.accessToken}`,
      user.accessToken,
      `Token ${user.accessToken}`,
    ]) {
      const res = await request(t.url).get('/api/users/me').set('Authorization', header);
      expectErrorBody(res, 401);
    }
  });

  it('ignores an access token in the query string or in a cookie', async () => {
    for (const name of ['access_token', 'token', 'accessToken']) {
      expectErrorBody(await request(t.url).get(`/api/users/me?${name}=${user.accessToken}`), 401);
    }
    expectErrorBody(
      await request(t.url).get('/api/users/me').set('Cookie', `access_token=${user.accessToken}`),
      401,
    );
    expectErrorBody(
      await request(t.url)
        .get('/api/users/me')
        .set('Cookie', `__Host-refresh_token=${user.refreshToken}`),
      401,
    );
  });

  it('a genuine token of a logged-out session is refused even though its signature and exp are fine', async () => {
    const victim = await registerAndLogin(t);
    await request(t.url)
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${victim.accessToken}`)
      .expect(204);
    expect((decodeJwt(victim.accessToken).payload.exp as number) > now()).toBe(true);
    await expect401(victim.accessToken);
  });
});
