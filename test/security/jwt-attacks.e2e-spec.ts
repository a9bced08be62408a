import { expectUniformError } from '../support/error-body';
import { generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import request from 'supertest';
import type { TokenKey } from '../../src/signing-keys/key-material';
import { TokenKeys } from '../../src/signing-keys/token-keys.service';
import { bearer, decodeJwt, registerAndLogin, type LoggedIn } from '../support/auth-helpers';
import { handmadeJws, signedBy } from '../support/forge-token';
import type { TestApp } from '../support/test-app';
import { b64url, hmacJwt, nowSeconds, startSecurityApp } from './security-helpers';

/**
 * Adversarial access tokens (issue "Proof", adversarial suite 1), against the default EdDSA keys.
 * Every forged or misused token is refused with 401 and the uniform body, with the same message as
 * no token at all, and the genuine token keeps working before and after (so the 401s mean
 * something and no attack had a side effect). Claim attacks carry a genuine signature by the
 * service's current key, so each fails for its claim alone.
 */
describe('JWT attacks', () => {
  let t: TestApp;
  let user: LoggedIn;
  let other: LoggedIn;
  let noTokenMessage: string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    t = await startSecurityApp();
    user = await registerAndLogin(t);
    other = await registerAndLogin(t);
    const none = await request(t.url).get('/api/users/me');
    noTokenMessage = none.body.message as string;
  });
  afterAll(() => t.close());

  const sid = (who: LoggedIn): string => decodeJwt(who.accessToken).payload.sid as string;

  /** Genuine claims for `user`, with `changes` applied (undefined deletes a claim). */
  function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
    const iat = nowSeconds();
    const base: Record<string, unknown> = {
      sub: user.id,
      sid: sid(user),
      typ: 'access',
      iss: t.env.JWT_ISSUER,
      aud: t.env.JWT_AUDIENCE,
      iat,
      nbf: iat,
      exp: iat + 600,
      ...changes,
    };
    for (const [key, value] of Object.entries(changes)) if (value === undefined) delete base[key];
    return base;
  }

  /** The service's signing key now: {kid, algorithm, signingKey, verificationKey}. */
  const current = (): TokenKey => t.app.get(TokenKeys).signingKey();
  /** The real kid with another header algorithm: the algorithm-confusion header. */
  const realKid = (alg: string): Record<string, unknown> => ({
    alg,
    kid: current().kid,
    typ: 'at+jwt',
  });
  const HS256 = { alg: 'HS256', typ: 'at+jwt' };
  /** JWT_SECRET is still in the environment (dev secrets) but signs nothing under EdDSA. */
  const jwtSecret = (): string => t.env.JWT_SECRET ?? '';
  const realSign = (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): string => signedBy(current(), payload, header);
  const publicKeyAs = (format: 'pem' | 'der'): string | Buffer =>
    format === 'pem'
      ? current().verificationKey.export({ type: 'spki', format })
      : current().verificationKey.export({ type: 'spki', format });
  const rawPublicKey = (): Buffer =>
    Buffer.from(
      (current().verificationKey.export({ format: 'jwk' }) as JWK).x as string,
      'base64url',
    );

  function asymmetric(
    alg: 'RS256' | 'PS256' | 'ES256',
    key: KeyObject,
    header: Record<string, unknown>,
    payload: object,
  ): string {
    const input = `${b64url({ ...header, alg })}.${b64url(payload)}`;
    const options =
      alg === 'PS256'
        ? { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
        : alg === 'ES256'
          ? { key, dsaEncoding: 'ieee-p1363' as const }
          : key;
    return `${input}.${cryptoSign('sha256', Buffer.from(input), options).toString('base64url')}`;
  }

  async function expectRefused(token: string): Promise<void> {
    const res = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(token));
    expectUniformError(res, 401);
    // One message for every cause: the same as for no token at all, naming no jsonwebtoken detail.
    expect(res.body.message).toBe(noTokenMessage);
    expect(res.text).not.toMatch(
      /jwt|signature|malformed|algorithm|audience|issuer|jwt expired|not active|invalid token/i,
    );
  }

  async function expectControlWorks(): Promise<void> {
    const res = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(user.accessToken));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.id);
  }

  it('control: the genuine token (EdDSA, with the current kid), and a token minted with the real key and claims, are accepted', async () => {
    await expectControlWorks();
    expect(decodeJwt(user.accessToken).header).toEqual(realKid('EdDSA'));
    const minted = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(realSign(claims())));
    expect(minted.status).toBe(200);
    expect(minted.body.id).toBe(user.id);
  });

  describe('alg "none"', () => {
    const cases: Array<[string, () => string]> = [
      [
        'alg none with a trailing dot',
        () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`,
      ],
      [
        'alg none without the trailing dot',
        () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}`,
      ],
      ['alg None', () => `${b64url({ alg: 'None' })}.${b64url(claims())}.`],
      ['alg NONE', () => `${b64url({ alg: 'NONE' })}.${b64url(claims())}.`],
      ['alg nOnE', () => `${b64url({ alg: 'nOnE' })}.${b64url(claims())}.`],
      [
        'alg none glued onto a genuine signature',
        () => `${b64url({ alg: 'none' })}.${user.accessToken.split('.').slice(1).join('.')}`,
      ],
      ['no alg at all, genuine signature', () => realSign(claims(), { alg: undefined })],
      ['alg none with the right kid', () => `${b64url(realKid('none'))}.${b64url(claims())}.`],
      [
        'alg none with the right kid glued onto a genuine signature',
        () => `${b64url(realKid('none'))}.${realSign(claims()).split('.').slice(1).join('.')}`,
      ],
      ['alg none with an empty-key HMAC signature', () => hmacJwt({ alg: 'none' }, claims(), '')],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('other algorithms in the header', () => {
    const cases: Array<[string, () => string]> = [
      [
        'HS256 with the right kid, keyed with JWT_SECRET',
        () => hmacJwt(realKid('HS256'), claims(), jwtSecret()),
      ],
      [
        'HS384 with the right kid, keyed with JWT_SECRET',
        () => hmacJwt(realKid('HS384'), claims(), jwtSecret(), 'sha384'),
      ],
      [
        'HS512 with the right kid, keyed with JWT_SECRET',
        () => hmacJwt(realKid('HS512'), claims(), jwtSecret(), 'sha512'),
      ],
      [
        'HS256 with the right kid, keyed with the Ed25519 public key PEM (key confusion)',
        () => hmacJwt(realKid('HS256'), claims(), publicKeyAs('pem')),
      ],
      [
        'HS256 with the right kid, keyed with the Ed25519 public key DER (key confusion)',
        () => hmacJwt(realKid('HS256'), claims(), publicKeyAs('der')),
      ],
      [
        'HS256 with the right kid, keyed with the raw 32 Ed25519 public key bytes (key confusion)',
        () => hmacJwt(realKid('HS256'), claims(), rawPublicKey()),
      ],
      [
        'HS256 with the right kid, keyed with the JWK x string as the JWKS publishes it',
        () => hmacJwt(realKid('HS256'), claims(), rawPublicKey().toString('base64url')),
      ],
      [
        'ES256 with the right kid, signed by an attacker P-256 key',
        () => handmadeJws(realKid('ES256'), claims(), 'ES256', ec.privateKey),
      ],
      [
        'RS256 with the right kid, HMAC-SHA256 with the public key PEM as the "key" (key confusion)',
        () => hmacJwt(realKid('RS256'), claims(), publicKeyAs('pem')),
      ],
      [
        'RS256 header, HMAC-SHA256 with JWT_SECRET as the "public key" (key confusion)',
        () => hmacJwt({ alg: 'RS256', typ: 'JWT' }, claims(), jwtSecret()),
      ],
      [
        'RS256 signed with an attacker RSA key',
        () => asymmetric('RS256', rsa.privateKey, { typ: 'JWT' }, claims()),
      ],
      [
        'PS256 signed with an attacker RSA key',
        () => asymmetric('PS256', rsa.privateKey, { typ: 'JWT' }, claims()),
      ],
      [
        'ES256 signed with an attacker EC key',
        () => asymmetric('ES256', ec.privateKey, { typ: 'JWT' }, claims()),
      ],
      [
        'HS256 keyed with an attacker public key PEM (classic RS→HS confusion)',
        () => hmacJwt(HS256, claims(), rsa.publicKey.export({ type: 'spki', format: 'pem' })),
      ],
      ['alg "eddsa" (lower case), genuine signature', () => realSign(claims(), { alg: 'eddsa' })],
      [
        'alg "Ed25519" (the fully specified name), genuine signature',
        () => realSign(claims(), { alg: 'Ed25519' }),
      ],
      [
        'alg "hs256" (lower case) with JWT_SECRET',
        () => hmacJwt({ alg: 'hs256', kid: current().kid }, claims(), jwtSecret()),
      ],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('tampered claims under the original signature', () => {
    const resign = (
      change: (payload: Record<string, unknown>) => Record<string, unknown>,
    ): string => {
      const [header, payload, signature] = user.accessToken.split('.');
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      expect(header).toBeTruthy();
      return `${header}.${b64url(change(decoded))}.${signature}`;
    };
    const cases: Array<[string, () => string]> = [
      ['sub changed to another user', () => resign((p) => ({ ...p, sub: other.id }))],
      ['sid changed to another session', () => resign((p) => ({ ...p, sid: sid(other) }))],
      [
        'sub and sid both changed to another user',
        () => resign((p) => ({ ...p, sub: other.id, sid: sid(other) })),
      ],
      ['typ changed to refresh', () => resign((p) => ({ ...p, typ: 'refresh' }))],
      [
        'exp pushed a year ahead',
        () => resign((p) => ({ ...p, exp: (p.exp as number) + 31_536_000 })),
      ],
      ['role: admin added', () => resign((p) => ({ ...p, role: 'admin' }))],
      [
        'payload re-encoded with padding',
        () => {
          const [header, payload, signature] = user.accessToken.split('.');
          const standard = Buffer.from(payload, 'base64url').toString('base64');
          // A payload whose length is a multiple of 3 bytes and that holds no - or _ encodes
          // identically in both alphabets; a trailing pad still makes it a different string.
          const padded = standard === payload ? `${standard}=` : standard;
          return `${header}.${padded}.${signature}`;
        },
      ],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('stripped or broken signature', () => {
    const parts = (): string[] => user.accessToken.split('.');
    const cases: Array<[string, () => string]> = [
      ['signature removed, trailing dot kept', () => `${parts()[0]}.${parts()[1]}.`],
      ['signature removed with its dot', () => `${parts()[0]}.${parts()[1]}`],
      ['signature truncated', () => `${parts()[0]}.${parts()[1]}.${parts()[2].slice(0, 20)}`],
      [
        'signature of another token',
        () => `${parts()[0]}.${parts()[1]}.${other.accessToken.split('.')[2]}`,
      ],
      [
        'signature with one character flipped',
        () => {
          const [h, p, s] = parts();
          return `${h}.${p}.${(s[0] === 'A' ? 'B' : 'A') + s.slice(1)}`;
        },
      ],
      ['an extra fourth segment', () => `${user.accessToken}.${parts()[2]}`],
      ['JWE-shaped five segments', () => `${parts()[0]}..${parts()[1]}..${parts()[2]}`],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('time and audience claims (signed with the real key)', () => {
    const cases: Array<[string, () => Record<string, unknown>]> = [
      [
        'expired a second ago',
        () => claims({ iat: nowSeconds() - 900, nbf: nowSeconds() - 900, exp: nowSeconds() - 1 }),
      ],
      [
        'expired an hour ago',
        () =>
          claims({ iat: nowSeconds() - 7200, nbf: nowSeconds() - 7200, exp: nowSeconds() - 3600 }),
      ],
      ['no exp at all', () => claims({ exp: undefined })],
      ['exp as a string', () => claims({ exp: String(nowSeconds() + 600) })],
      ['not valid yet (nbf a minute ahead)', () => claims({ nbf: nowSeconds() + 60 })],
      ['not valid yet (nbf a day ahead)', () => claims({ nbf: nowSeconds() + 86_400 })],
      ['wrong iss', () => claims({ iss: `${t.env.JWT_ISSUER}.evil.example` })],
      ['no iss', () => claims({ iss: undefined })],
      ['wrong aud', () => claims({ aud: `${t.env.JWT_AUDIENCE}-other` })],
      ['aud list without ours', () => claims({ aud: ['https://evil.example', 'other'] })],
      ['no aud', () => claims({ aud: undefined })],
      ['sub not a uuid', () => claims({ sub: "' OR 1=1--" })],
      ['sid not a uuid', () => claims({ sid: '00000000-0000-0000-0000-00000000000g' })],
      ['sid unknown', () => claims({ sid: '6f1c1f3e-8d6a-4c1e-9a55-0d1f2b3c4d5e' })],
      ['sub of another user with this sid', () => claims({ sub: other.id })],
      ['typ refresh', () => claims({ typ: 'refresh' })],
      ['typ missing', () => claims({ typ: undefined })],
      ['no iat', () => claims({ iat: undefined })],
      ['no sub', () => claims({ sub: undefined })],
    ];
    it.each(cases)('401: %s', async (_label, payload) => {
      await expectRefused(realSign(payload()));
    });
  });

  describe('header typ (signed with the real key)', () => {
    it.each([
      ['JWT', 'JWT'],
      ['missing', undefined],
      ['access', 'access'],
    ])('401: header typ %s instead of at+jwt', async (_label, typ) => {
      await expectRefused(realSign(claims(), { typ }));
    });
  });

  describe('which key: the kid', () => {
    const cases: Array<[string, () => Promise<string> | string]> = [
      ['no kid, genuine signature', () => realSign(claims(), { kid: undefined })],
      [
        'an unknown kid, genuine signature',
        () => realSign(claims(), { kid: randomBytes(16).toString('base64url') }),
      ],
      [
        'the real kid with a trailing space, genuine signature',
        () => realSign(claims(), { kid: `${current().kid} ` }),
      ],
      ['kid as a number', () => realSign(claims(), { kid: 1 })],
      ['kid as an array holding the real kid', () => realSign(claims(), { kid: [current().kid] })],
      [
        'the kid of a foreign Ed25519 key (its JWK thumbprint), signed by that key',
        async () => {
          const kid = await calculateJwkThumbprint(ed.publicKey.export({ format: 'jwk' }));
          return signedBy({ kid, algorithm: 'EdDSA', signingKey: ed.privateKey }, claims());
        },
      ],
      [
        'the real kid, signed by a foreign Ed25519 key',
        () =>
          signedBy({ kid: current().kid, algorithm: 'EdDSA', signingKey: ed.privateKey }, claims()),
      ],
      [
        'the real kid, the foreign public key embedded as jwk, signed by the foreign key',
        () =>
          handmadeJws(
            { ...realKid('EdDSA'), jwk: ed.publicKey.export({ format: 'jwk' }) },
            claims(),
            'EdDSA',
            ed.privateKey,
          ),
      ],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(await token());
    });
  });

  describe('key-selection header tricks (kid / jku / x5u / x5c / jwk)', () => {
    const attackerSecret = randomBytes(32);
    const rsaJwk = (): Record<string, unknown> => ({
      ...rsa.publicKey.export({ format: 'jwk' }),
      kid: 'attacker',
      use: 'sig',
    });
    const cases: Array<[string, () => string]> = [
      [
        'embedded RSA jwk with an RS256 signature by its private key',
        () => asymmetric('RS256', rsa.privateKey, { jwk: rsaJwk() }, claims()),
      ],
      [
        'embedded oct jwk with an HS256 signature by that key',
        () =>
          hmacJwt(
            { ...HS256, jwk: { kty: 'oct', k: attackerSecret.toString('base64url') } },
            claims(),
            attackerSecret,
          ),
      ],
      [
        'jku pointing at an attacker JWKS, RS256 by the attacker',
        () =>
          asymmetric(
            'RS256',
            rsa.privateKey,
            { jku: 'http://127.0.0.1:9/jwks.json', kid: 'attacker' },
            claims(),
          ),
      ],
      [
        'x5u pointing at an attacker certificate, RS256 by the attacker',
        () => asymmetric('RS256', rsa.privateKey, { x5u: 'http://127.0.0.1:9/cert.pem' }, claims()),
      ],
      [
        'x5c with the attacker public key, RS256 by the attacker',
        () =>
          asymmetric(
            'RS256',
            rsa.privateKey,
            {
              x5c: [
                (rsa.publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString(
                  'base64',
                ),
              ],
            },
            claims(),
          ),
      ],
      [
        'kid path traversal to /dev/null, HS256 with an empty key',
        () => hmacJwt({ ...HS256, kid: '../../../../../../dev/null' }, claims(), ''),
      ],
      [
        'kid SQL injection selecting a known key',
        () => hmacJwt({ ...HS256, kid: "x' UNION SELECT 'attacker'--" }, claims(), 'attacker'),
      ],
      [
        'kid naming the refresh key, HS256 with the refresh secret',
        () => hmacJwt({ ...HS256, kid: 'refresh' }, claims(), t.env.JWT_REFRESH_SECRET),
      ],
      [
        'jku pointing at an attacker JWKS with the real kid, EdDSA by the attacker',
        () =>
          handmadeJws(
            { ...realKid('EdDSA'), jku: 'http://127.0.0.1:9/jwks.json' },
            claims(),
            'EdDSA',
            ed.privateKey,
          ),
      ],
      [
        'jwk with the attacker key, alg none',
        () => `${b64url({ alg: 'none', jwk: rsaJwk() })}.${b64url(claims())}.`,
      ],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('guessable and wrong secrets', () => {
    const guesses: Array<[string, () => string]> = [
      ['empty string', () => ''],
      ['secret', () => 'secret'],
      ['changeme', () => 'changeme'],
      ['change-me', () => 'change-me'],
      ['password', () => 'password'],
      ['jwt', () => 'jwt'],
      ['jwt_secret', () => 'jwt_secret'],
      ['JWT_SECRET', () => 'JWT_SECRET'],
      ['secretkey', () => 'secretkey'],
      ['your-256-bit-secret (jwt.io default)', () => 'your-256-bit-secret'],
      ['test', () => 'test'],
      ['the issuer name', () => t.env.JWT_ISSUER],
      ['the audience name', () => t.env.JWT_AUDIENCE],
      ['JWT_REFRESH_SECRET (the refresh key)', () => t.env.JWT_REFRESH_SECRET],
      ['PASSWORD_PEPPER', () => t.env.PASSWORD_PEPPER],
      ['JWT_SECRET itself', () => jwtSecret()],
      ['JWT_SECRET with a trailing newline', () => `${jwtSecret()}\n`],
      ['JWT_SECRET truncated by one character', () => jwtSecret().slice(0, -1)],
      ['random 32 bytes', () => randomBytes(32).toString('hex')],
    ];
    it.each(guesses)(
      '401: HS256 with %s (with and without the real kid)',
      async (_label, secret) => {
        await expectRefused(hmacJwt(HS256, claims(), secret()));
        await expectRefused(hmacJwt(realKid('HS256'), claims(), secret()));
      },
    );
  });

  describe('refresh token as access token, and the reverse', () => {
    it('401: the opaque refresh token as a bearer token', async () => {
      await expectRefused(user.refreshToken);
    });

    it('401: a refresh token dressed as a JWT segment', async () => {
      await expectRefused(`${b64url({ alg: 'HS256' })}.${user.refreshToken}.${user.refreshToken}`);
    });

    function expectNoNewPair(res: request.Response, statuses: number[]): void {
      expectUniformError(res, statuses);
      expect(res.body.accessToken).toBeUndefined();
      expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(
        /__Host-refresh_token=[A-Za-z0-9_-]{20,}/,
      );
    }

    // The body form is shape-checked first (RefreshDto: 43 base64url chars), so a JWT there is a
    // validation error (400); what matters is that it is refused, never spent as a refresh token.
    it('refused: the access JWT as refreshToken in the body', async () => {
      expectNoNewPair(
        await request(t.url).post('/api/auth/refresh').send({ refreshToken: user.accessToken }),
        [400, 401],
      );
    });

    it('401: the access JWT as the refresh cookie', async () => {
      const res = await request(t.url)
        .post('/api/auth/refresh')
        .set('Cookie', `__Host-refresh_token=${user.accessToken}`);
      expectNoNewPair(res, [401]);
    });

    it('401: 43 base64url chars of the access JWT signature (the refresh token shape) in body and cookie', async () => {
      const signature = user.accessToken.split('.')[2].slice(0, 43);
      expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expectNoNewPair(
        await request(t.url).post('/api/auth/refresh').send({ refreshToken: signature }),
        [401],
      );
      expectNoNewPair(
        await request(t.url)
          .post('/api/auth/refresh')
          .set('Cookie', `__Host-refresh_token=${signature}`),
        [401],
      );
    });

    it('401: an access token in the query string or a cookie is ignored (no bearer header)', async () => {
      for (const path of [
        `/api/users/me?access_token=${user.accessToken}`,
        `/api/users/me?token=${user.accessToken}`,
      ]) {
        const res = await request(t.url).get(path);
        expectUniformError(res, 401);
      }
      const cookie = await request(t.url)
        .get('/api/users/me')
        .set(
          'Cookie',
          `access_token=${user.accessToken}; __Host-refresh_token=${user.refreshToken}`,
        );
      expectUniformError(cookie, 401);
    });
  });

  // Declared last, in its own block, so it runs after every attack above.
  describe('afterwards', () => {
    it('the genuine access token and refresh token still work, and no session was revoked', async () => {
      await expectControlWorks();
      const sessions = await request(t.url)
        .get('/api/auth/sessions')
        .set(...bearer(user.accessToken));
      expect(sessions.status).toBe(200);
      expect((sessions.body as Array<{ id: string }>).map((s) => s.id)).toContain(sid(user));
      const refreshed = await request(t.url)
        .post('/api/auth/refresh')
        .send({ refreshToken: user.refreshToken });
      expect(refreshed.status).toBe(200);
      const fresh = await request(t.url)
        .get('/api/users/me')
        .set(...bearer(refreshed.body.accessToken as string));
      expect(fresh.status).toBe(200);
      expect(fresh.body.id).toBe(user.id);
      const otherMe = await request(t.url)
        .get('/api/users/me')
        .set(...bearer(other.accessToken));
      expect(otherMe.body.id).toBe(other.id);
    });
  });
});

/**
 * Keys that have left the schedule: a retired key's tokens verify while it is published (one access
 * lifetime after its successor took over) and not after; a revoked key's tokens die at once. Its own
 * app, with a 2 s access lifetime and a 1 s publish-ahead, so the windows pass within the test.
 */
describe('JWT attacks with keys that have left the schedule', () => {
  const ACCESS_TTL_MS = 2_000;
  let t: TestApp;
  beforeAll(async () => {
    t = await startSecurityApp({ JWT_ACCESS_TTL: '2s', JWT_KEY_PUBLISH_AHEAD: '1s' });
  });
  afterAll(() => t.close());

  const keys = (): TokenKeys => t.app.get(TokenKeys);
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** Claims of a live session of `who`, valid for ten minutes (longer than any key window here). */
  function claimsOf(who: LoggedIn): Record<string, unknown> {
    const iat = nowSeconds();
    const { sid } = decodeJwt(who.accessToken).payload;
    return {
      ...{ sub: who.id, sid, typ: 'access', amr: ['pwd'], auth_time: iat },
      ...{ iss: t.env.JWT_ISSUER, aud: t.env.JWT_AUDIENCE, iat, nbf: iat, exp: iat + 600 },
    };
  }

  const meStatus = async (token: string): Promise<number> =>
    (
      await request(t.url)
        .get('/api/users/me')
        .set(...bearer(token))
    ).status;

  async function expectRefused(token: string): Promise<void> {
    const res = await request(t.url)
      .get('/api/users/me')
      .set(...bearer(token));
    expectUniformError(res, 401);
    const none = await request(t.url).get('/api/users/me');
    expect(res.body.message).toBe(none.body.message);
  }

  it('a token accepted a moment ago is refused once its exp has passed (a verified token is remembered only until then)', async () => {
    const user = await registerAndLogin(t);
    expect(await meStatus(user.accessToken)).toBe(200);
    const exp = Number(decodeJwt(user.accessToken).payload.exp) * 1000;
    await sleep(Math.max(0, exp - Date.now()) + 300);
    await expectRefused(user.accessToken);
  });

  it('a retired key verifies until one access lifetime after its successor took over, then 401', async () => {
    const user = await registerAndLogin(t);
    const retiring = keys().signingKey();
    const rotation = await keys().rotate('operator');
    expect(rotation.created).toBe(true);
    while (keys().signingKey().kid === retiring.kid) await sleep(50);
    // Within its window: a token of the retired key still verifies (it may be a live one).
    expect(await meStatus(signedBy(retiring, claimsOf(user)))).toBe(200);

    const windowEnds = rotation.signsFrom.getTime() + ACCESS_TTL_MS;
    await sleep(Math.max(0, windowEnds - Date.now()) + 300);
    await expectRefused(signedBy(retiring, claimsOf(user)));
    // The same claims under the signing key: the retired key alone is refused.
    expect(await meStatus(signedBy(keys().signingKey(), claimsOf(user)))).toBe(200);
    const jwks = await request(t.url).get('/.well-known/jwks.json');
    expect((jwks.body.keys as Array<{ kid: string }>).map((k) => k.kid)).not.toContain(
      retiring.kid,
    );
  });

  it('a revoked key: its tokens are refused at once, even for a session begun after the revocation', async () => {
    // A predecessor retired for longer than a token lives, whatever ran before this test.
    const retired = keys().signingKey();
    const rotation = await keys().rotate('operator');
    while (keys().signingKey().kid === retired.kid) await sleep(50);
    await sleep(Math.max(0, rotation.signsFrom.getTime() + ACCESS_TTL_MS - Date.now()) + 300);
    const compromised = keys().signingKey();
    const before = await registerAndLogin(t);
    expect(await meStatus(signedBy(compromised, claimsOf(before)))).toBe(200);

    const result = await keys().revokeCompromised();
    expect(result.revokedKid).toBe(compromised.kid);
    const after = await registerAndLogin(t);
    expect(decodeJwt(after.accessToken).header.kid).toBe(result.kid);
    await expectRefused(signedBy(compromised, claimsOf(after)));
    expect(await meStatus(signedBy(keys().signingKey(), claimsOf(after)))).toBe(200);
    // The revoked key's predecessor, retired for longer than a token lives, stays retired: the
    // revocation does not hand its turn back to it.
    const jwks = await request(t.url).get('/.well-known/jwks.json');
    expect((jwks.body.keys as Array<{ kid: string }>).map((k) => k.kid)).toEqual([result.kid]);
    await expectRefused(signedBy(retired, claimsOf(after)));
  });
});
