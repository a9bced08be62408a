import { expectUniformError } from '../support/error-body';
import { generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { bearer, decodeJwt, registerAndLogin, type LoggedIn } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { b64url, hmacJwt, nowSeconds, startSecurityApp } from './security-helpers';

/**
 * Adversarial access tokens (issue "Proof", adversarial suite 1). Every forged or misused token is
 * refused with 401 and the uniform body, with the same message as no token at all, and the genuine
 * token keeps working before and after (so the 401s mean something and no attack had a side effect).
 */
describe('JWT attacks', () => {
  let t: TestApp;
  let user: LoggedIn;
  let other: LoggedIn;
  let noTokenMessage: string;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

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

  const HS256 = { alg: 'HS256', typ: 'at+jwt' };
  const realSign = (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = HS256,
  ): string => hmacJwt(header, payload, t.env.JWT_SECRET);

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

  it('control: the genuine token, and a token minted with the real secret and claims, are accepted', async () => {
    await expectControlWorks();
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
      ['no alg at all', () => hmacJwt({ typ: 'JWT' }, claims(), t.env.JWT_SECRET)],
      ['alg none with an empty-key HMAC signature', () => hmacJwt({ alg: 'none' }, claims(), '')],
    ];
    it.each(cases)('401: %s', async (_label, token) => {
      await expectRefused(token());
    });
  });

  describe('other algorithms in the header', () => {
    const cases: Array<[string, () => string]> = [
      [
        'HS384 signed with the real secret',
        () => hmacJwt({ alg: 'HS384', typ: 'at+jwt' }, claims(), t.env.JWT_SECRET, 'sha384'),
      ],
      [
        'HS512 signed with the real secret',
        () => hmacJwt({ alg: 'HS512', typ: 'at+jwt' }, claims(), t.env.JWT_SECRET, 'sha512'),
      ],
      [
        'RS256 header, HMAC-SHA256 with the secret as the "public key" (key confusion)',
        () => hmacJwt({ alg: 'RS256', typ: 'JWT' }, claims(), t.env.JWT_SECRET),
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
      [
        'alg "hs256" (lower case) with the real secret',
        () => hmacJwt({ alg: 'hs256' }, claims(), t.env.JWT_SECRET),
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

  describe('time and audience claims (signed with the real secret)', () => {
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
    ];
    it.each(cases)('401: %s', async (_label, payload) => {
      await expectRefused(realSign(payload()));
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
      ['JWT_SECRET with a trailing newline', () => `${t.env.JWT_SECRET}\n`],
      ['JWT_SECRET truncated by one character', () => t.env.JWT_SECRET.slice(0, -1)],
      ['random 32 bytes', () => randomBytes(32).toString('hex')],
    ];
    it.each(guesses)('401: HS256 with %s', async (_label, secret) => {
      await expectRefused(hmacJwt(HS256, claims(), secret()));
    });
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

    it('401: the access JWT signature segment (exactly 43 base64url chars, the refresh token shape) in body and cookie', async () => {
      const signature = user.accessToken.split('.')[2];
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
