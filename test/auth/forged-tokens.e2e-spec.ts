import { expectErrorBody } from '../support/error-body';
import { createSecretKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TokenAlgorithm, TokenKey } from '../../src/signing-keys/key-material';
import { TokenKeys } from '../../src/signing-keys/token-keys.service';
import {
  RELAXED_LIMITS,
  decodeJwt,
  getMe,
  registerAndLogin,
  type LoggedIn,
} from '../support/auth-helpers';
import { handmadeJws, signedBy, type SignatureKind } from '../support/forge-token';
import { startTestApp, type TestApp } from '../support/test-app';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

/** A key of `algorithm` that is not the service's: what an attacker can sign with. */
function foreignKey(algorithm: TokenAlgorithm): TokenKey['signingKey'] {
  if (algorithm === 'HS256') return createSecretKey(randomBytes(48));
  return algorithm === 'EdDSA'
    ? generateKeyPairSync('ed25519').privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/**
 * The core claim and signature checks, once per JWT_ALGORITHM: every forged token below carries a
 * genuine signature by the service's current key (or fails for exactly one other reason), so a 401
 * here is the claim check's doing, not the signature's.
 */
describe.each<TokenAlgorithm>(['EdDSA', 'ES256', 'HS256'])(
  'forged and misused access tokens (JWT_ALGORITHM=%s)',
  (algorithm) => {
    let t: TestApp;
    let user: LoggedIn;
    let other: LoggedIn;
    beforeAll(async () => {
      t = await startTestApp({ ...RELAXED_LIMITS, JWT_ALGORITHM: algorithm });
      user = await registerAndLogin(t);
      other = await registerAndLogin(t);
    });
    afterAll(() => t.close());

    const key = (): TokenKey => t.app.get(TokenKeys).signingKey();

    /** The claims a genuine token for `user` carries, with `changes` applied (undefined deletes a claim). */
    function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
      const iat = now();
      return {
        sub: user.id,
        sid: decodeJwt(user.accessToken).payload.sid,
        typ: 'access',
        amr: ['pwd'],
        auth_time: iat,
        iss: t.env.JWT_ISSUER,
        aud: t.env.JWT_AUDIENCE,
        iat,
        nbf: iat,
        exp: iat + 900,
        jti: randomUUID(),
        ...changes,
      };
    }

    /** Signed by the service's own current key, header as the service writes it plus `header`. */
    const sign = (payload: Record<string, unknown>, header: Record<string, unknown> = {}): string =>
      signedBy(key(), payload, header);

    async function expect401(token: string): Promise<void> {
      const res = await getMe(t, token);
      const body = expectErrorBody(res, 401);
      // One message for every cause: the same as for no token at all, naming no library detail.
      const none = await request(t.url).get('/api/users/me');
      expect(body.message).toBe(none.body.message);
      expect(JSON.stringify(body)).not.toMatch(
        /jwt |jws|jose|signature|malformed|algorithm|audience|issuer|not active|kid|stack/i,
      );
    }

    it('control: the service signs with this algorithm and a kid, and a token forged with its key and genuine claims is accepted (so the 401s below mean something)', async () => {
      const { header } = decodeJwt(user.accessToken);
      expect(header).toEqual({ alg: algorithm, kid: key().kid, typ: 'at+jwt' });
      const res = await getMe(t, sign(claims())).expect(200);
      expect(res.body.id).toBe(user.id);
    });

    it('401 for alg "none" (unsigned), with or without the right kid', async () => {
      const kid = key().kid;
      await expect401(`${b64url({ alg: 'none', kid, typ: 'at+jwt' })}.${b64url(claims())}.`);
      await expect401(`${b64url({ alg: 'none' })}.${b64url(claims())}`);
      // An alg:none header glued onto a valid signature
      const genuine = sign(claims()).split('.');
      await expect401(`${b64url({ alg: 'none', kid, typ: 'at+jwt' })}.${genuine[1]}.${genuine[2]}`);
    });

    it('401 for no kid, or a kid the service never made, on an otherwise genuine token', async () => {
      await expect401(sign(claims(), { kid: undefined }));
      await expect401(sign(claims(), { kid: `${key().kid}x` }));
      await expect401(sign(claims(), { kid: '' }));
      await expect401(sign(claims(), { kid: 42 }));
    });

    it('401 for a token signed with a foreign key of this algorithm under the right kid', async () => {
      const header = { alg: algorithm, kid: key().kid, typ: 'at+jwt' };
      await expect401(handmadeJws(header, claims(), algorithm, foreignKey(algorithm)));
      if (algorithm === 'HS256')
        await expect401(handmadeJws(header, claims(), 'HS256', t.env.JWT_REFRESH_SECRET));
    });

    it('401 for a header alg other than the kid’s key, whatever signs it', async () => {
      const kinds: SignatureKind[] = ['EdDSA', 'ES256', 'HS256', 'HS384', 'HS512'];
      for (const kind of kinds.filter((k) => k !== algorithm)) {
        // HMAC kinds: with HS256 the real secret under HS384/HS512; otherwise the public key as
        // the HMAC secret (the key-confusion attack). Asymmetric kinds: an attacker's key.
        const signer = !kind.startsWith('HS')
          ? foreignKey(kind as TokenAlgorithm)
          : algorithm === 'HS256'
            ? key().signingKey
            : (key().verificationKey.export({ type: 'spki', format: 'pem' }) as string);
        await expect401(
          handmadeJws({ alg: kind, kid: key().kid, typ: 'at+jwt' }, claims(), kind, signer),
        );
      }
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

    it('401 for a token without iat or without sub', async () => {
      await expect401(sign(claims({ iat: undefined })));
      await expect401(sign(claims({ sub: undefined })));
    });

    it.each([
      ['missing', undefined],
      ['refresh', 'refresh'],
      ['ACCESS', 'ACCESS'],
      ['id', 'id'],
    ])('401 for typ %s', async (_label, typ) => {
      await expect401(sign(claims({ typ })));
    });

    it('401 for a header typ other than at+jwt (RFC 9068), or none', async () => {
      await expect401(sign(claims(), { typ: 'JWT' }));
      await expect401(sign(claims(), { typ: undefined }));
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
  },
);
