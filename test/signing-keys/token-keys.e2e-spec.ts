import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { FieldCipher } from '../../src/crypto/field-cipher.service';
import { KEY_REFRESH_MS, TokenKeys } from '../../src/signing-keys/token-keys.service';
import {
  RELAXED_LIMITS,
  bearer,
  decodeJwt,
  getMe,
  login,
  refreshWith,
  register,
  registerAndLogin,
  sql,
  type LoggedIn,
} from '../support/auth-helpers';
import { expectUniformError } from '../support/error-body';
import { signedBy } from '../support/forge-token';
import {
  privateTestDatabase,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../support/private-services';
import { startTestApp, type TestApp } from '../support/test-app';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const kidOf = (token: string): unknown => decodeJwt(token).header.kid;
const kidsIn = (jwks: JSONWebKeySet): string[] => jwks.keys.map((k) => k.kid as string);

async function fetchJwks(t: TestApp): Promise<request.Response> {
  const res = await request(t.url).get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res;
}

/** What another service does: verify locally against a JWKS it fetched (and may have cached). */
function verifyLocally(t: TestApp, jwks: JSONWebKeySet, token: string) {
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: t.env.JWT_ISSUER,
    audience: t.env.JWT_AUDIENCE,
  });
}

interface RotationEvent {
  metadata: Record<string, unknown>;
}

/**
 * The asymmetric signing keys on the real database (EdDSA, the default): the JWKS, the encrypted
 * table, rotation published ahead, a compromised key's revocation, and the live session check.
 * Each test starts on a fresh database with its one first key, so the order does not matter.
 */
describe('signing keys on the real database', () => {
  let t: TestApp;
  let keys: TokenKeys;
  beforeEach(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, JWT_KEY_PUBLISH_AHEAD: '2s' });
    keys = t.app.get(TokenKeys);
  });
  afterEach(() => t.close());

  /** A rotation, waited for until the new key signs. */
  async function rotated(): Promise<string> {
    const rotation = await keys.rotate('operator');
    await sleep(Math.max(0, rotation.signsFrom.getTime() - Date.now()) + 200);
    expect(keys.signingKey().kid).toBe(rotation.kid);
    return rotation.kid;
  }

  const rotationEvents = (): Promise<RotationEvent[]> =>
    sql<RotationEvent>(
      t,
      `SELECT metadata FROM audit_events WHERE type = 'security.signing_key.rotated' ORDER BY seq`,
    );

  it('publishes the signing key as an Ed25519 JWK with only public members, cacheable for 300 s', async () => {
    const user = await registerAndLogin(t);
    const res = await fetchJwks(t);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const jwks = res.body as JSONWebKeySet;
    expect(jwks.keys).toEqual([
      {
        kid: keys.signingKey().kid,
        kty: 'OKP',
        alg: 'EdDSA',
        use: 'sig',
        crv: 'Ed25519',
        x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      },
    ]);
    expect(res.text).not.toMatch(/"(d|p|q|dp|dq|qi|k)"/);
    expect(kidOf(user.accessToken)).toBe(jwks.keys[0].kid);
    // The published key verifies the service's token, as another service would check it.
    const { payload } = await verifyLocally(t, jwks, user.accessToken);
    expect(payload.sub).toBe(user.id);
  });

  it('keeps the private key as field-cipher ciphertext whose AAD binds it to its kid', async () => {
    const [row] = await sql<{ kid: string; private_key: string }>(
      t,
      'SELECT kid, private_key FROM signing_keys WHERE kid = $1',
      [keys.signingKey().kid],
    );
    expect(row.private_key).toMatch(
      /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
    expect(row.private_key).not.toMatch(/PRIVATE KEY|MC4CAQAwBQYDK2Vw/); // PEM, or Ed25519 PKCS#8 base64
    const cipher = t.app.get(FieldCipher);
    const at = (kid: string) => ({ table: 'signing_keys', column: 'private_key', rowId: kid });
    expect(cipher.decrypt(row.private_key, at(row.kid))).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(() => cipher.decrypt(row.private_key, at(`${row.kid}x`))).toThrow();

    // The ciphertext moved to a row of another kid: the service refuses to read the table.
    const moved = `moved-${randomBytes(6).toString('hex')}`;
    await sql(
      t,
      `INSERT INTO signing_keys (kid, algorithm, private_key, signs_from)
       SELECT $2, algorithm, private_key, now() + interval '1 day' FROM signing_keys WHERE kid = $1`,
      [row.kid, moved],
    );
    try {
      await expect(keys.refresh()).rejects.toThrow();
      expect(kidsIn((await fetchJwks(t)).body as JSONWebKeySet)).not.toContain(moved);
    } finally {
      await sql(t, 'UPDATE signing_keys SET revoked_at = now() WHERE kid = $1', [moved]);
    }
    await keys.refresh();
    expect(keys.signingKey().kid).toBe(row.kid);
  });

  it('rotation publishes the next key ahead of signing with it; tokens of both keys verify', async () => {
    const before = await registerAndLogin(t);
    const oldKid = keys.signingKey().kid;
    const rotation = await keys.rotate('operator');
    expect(rotation).toMatchObject({ created: true });
    expect(rotation.kid).not.toBe(oldKid);
    // A second request while the key waits hands back the same one.
    expect(await keys.rotate('operator')).toMatchObject({ kid: rotation.kid, created: false });

    // Published, not yet signing: what a verifier caches now already holds the next key.
    const cached = (await fetchJwks(t)).body as JSONWebKeySet;
    expect(kidsIn(cached)).toEqual([oldKid, rotation.kid]);
    const early = await registerAndLogin(t);
    expect(kidOf(early.accessToken)).toBe(oldKid);

    await sleep(Math.max(0, rotation.signsFrom.getTime() - Date.now()) + 200);
    const after = await registerAndLogin(t);
    expect(kidOf(after.accessToken)).toBe(rotation.kid);
    for (const who of [before, early, after]) {
      await getMe(t, who.accessToken).expect(200);
      await expect(verifyLocally(t, cached, who.accessToken)).resolves.toBeDefined();
    }
    // The old key stays published while a token it signed may live.
    expect(kidsIn((await fetchJwks(t)).body as JSONWebKeySet)).toEqual([oldKid, rotation.kid]);
  });

  it('audits every rotation as security.signing_key.rotated, naming kids but no key material', async () => {
    const next = await rotated();
    const events = await rotationEvents();
    expect(events.map((e) => e.metadata.reason)).toEqual(['algorithm', 'operator']);
    const [first, second] = events.map((e) => e.metadata);
    expect(first).toMatchObject({ algorithm: 'EdDSA', previousKid: null });
    expect(second).toMatchObject({ kid: next, previousKid: first.kid });
    const rows = await sql<{ private_key: string }>(t, 'SELECT private_key FROM signing_keys');
    const publicXs = ((await fetchJwks(t)).body as JSONWebKeySet).keys.map((k) => k.x as string);
    for (const { metadata } of events) {
      expect(Object.keys(metadata).sort()).toEqual(
        ['algorithm', 'kid', 'previousKid', 'reason', 'signsFrom'].sort(),
      );
      const text = JSON.stringify(metadata);
      expect(text).not.toMatch(/PRIVATE KEY|"d"|v1\./);
      for (const secret of [...rows.map((r) => r.private_key), ...publicXs])
        expect(text).not.toContain(secret);
    }
  });

  it('GET /api/auth/session answers the live session’s claims, and 401 after logout', async () => {
    const user = await registerAndLogin(t);
    const { payload } = decodeJwt(user.accessToken);
    const res = await request(t.url)
      .get('/api/auth/session')
      .set(...bearer(user.accessToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sub: user.id,
      sid: payload.sid,
      amr: ['pwd'],
      auth_time: payload.auth_time,
      exp: payload.exp,
    });
    await request(t.url)
      .post('/api/auth/logout')
      .set(...bearer(user.accessToken))
      .expect(204);
    const after = await request(t.url)
      .get('/api/auth/session')
      .set(...bearer(user.accessToken));
    expectUniformError(after, 401);
    // The token itself is still well signed and unexpired: only the live check knows.
    const jwks = (await fetchJwks(t)).body as JSONWebKeySet;
    await expect(verifyLocally(t, jwks, user.accessToken)).resolves.toBeDefined();
  });

  it('a compromised key is revoked at once: the sessions that held its tokens end, the next token has a new kid', async () => {
    // Signed in before the rotation and never refreshed: it holds no token of the later key.
    const oldKeySession = await registerAndLogin(t);
    const compromised = await rotated();
    const victim = await registerAndLogin(t);
    expect(kidOf(victim.accessToken)).toBe(compromised);
    expect(kidOf(oldKeySession.accessToken)).not.toBe(compromised);

    const result = await keys.revokeCompromised();
    expect(result).toMatchObject({ created: true, revokedKid: compromised });
    expect(result.kid).not.toBe(compromised);
    expect(result.sessionsRevoked).toBeGreaterThanOrEqual(1);

    expectUniformError(await getMe(t, victim.accessToken), 401);
    expectUniformError(
      await request(t.url)
        .get('/api/auth/session')
        .set(...bearer(victim.accessToken)),
      401,
    );
    expectUniformError(await refreshWith(t, victim.refreshToken), 401);
    expect(kidsIn((await fetchJwks(t)).body as JSONWebKeySet)).not.toContain(compromised);

    const fresh = await registerAndLogin(t);
    expect(kidOf(fresh.accessToken)).toBe(result.kid);
    await getMe(t, fresh.accessToken).expect(200);
    // A session that only ever held a token of the key before stays live.
    await getMe(t, oldKeySession.accessToken).expect(200);

    const [last] = (await rotationEvents()).slice(-1);
    expect(last.metadata).toMatchObject({
      reason: 'compromised',
      kid: result.kid,
      previousKid: compromised,
      sessionsRevoked: result.sessionsRevoked,
    });
  });
});

/** A client address of its own (sent through the trusted loopback proxy): Redis is shared. */
const freshIp = (): string => `10.${[...randomBytes(3)].join('.')}`;

/**
 * GET /api/auth/session is called by other services from a few addresses on behalf of many users:
 * each token has its own RATE_LIMIT_MAX budget there, and those calls spend no address's budget.
 */
describe('GET /api/auth/session is rate-limited per token, not per IP', () => {
  const MAX = 4;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      RATE_LIMIT_MAX: String(MAX),
      TRUST_PROXY: '127.0.0.1',
    });
  });
  afterAll(() => t.close());

  /** Signed up and in from an address of its own, so the per-IP budget of MAX is not spent here. */
  const signedIn = async (): Promise<LoggedIn> =>
    login(t, await register(t, {}, { from: freshIp() }), { from: freshIp() });

  const check = (token: string, ip: string): request.Test =>
    request(t.url)
      .get('/api/auth/session')
      .set('X-Forwarded-For', ip)
      .set(...bearer(token));

  it('two tokens from one address each get their own budget, and the address keeps its own', async () => {
    const [first, second] = [await signedIn(), await signedIn()];
    const ip = freshIp();
    for (let i = 0; i < MAX; i++) expect((await check(first.accessToken, ip)).status).toBe(200);
    const limited = await check(first.accessToken, ip);
    expectUniformError(limited, 429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    // Same address, another token: a fresh budget (a per-IP count would be spent by now).
    for (let i = 0; i < MAX; i++) expect((await check(second.accessToken, ip)).status).toBe(200);
    expectUniformError(await check(second.accessToken, ip), 429);
    // The budget is the token's, however the header spells it (each form below authenticates).
    for (const header of [
      `bearer ${second.accessToken}`,
      `Bearer  ${second.accessToken}`,
      `Bearer\t${second.accessToken}`,
      `Bearer ${second.accessToken} x`,
    ])
      expectUniformError(
        await request(t.url)
          .get('/api/auth/session')
          .set('X-Forwarded-For', ip)
          .set('Authorization', header),
        429,
      );
    // And the address's own budget, on a route limited per IP, is untouched.
    const me = await getMe(t, second.accessToken).set('X-Forwarded-For', ip);
    expect(me.status).toBe(200);
    expect(me.headers['ratelimit-remaining']).toBe(String(MAX - 1));
  });
});

/**
 * The keys are held in memory as KeyObjects: with the database away, tokens still verify (a
 * genuine token gets as far as the session check, which needs the database: 503, never 401), the
 * JWKS still answers, and a failed re-read keeps the keys held.
 */
describe('the database stopped: the keys held go on verifying', () => {
  let pg: PrivatePostgres;
  let t: TestApp;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    t = await startTestApp(
      { ...RELAXED_LIMITS, DB_STATEMENT_TIMEOUT_MS: '2000' },
      privateTestDatabase(pg),
    );
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await pg.close();
  });

  it('refuses forged tokens (401) and passes genuine ones to the session check (503) while it is down, then 200', async () => {
    const user = await registerAndLogin(t);
    const keys = t.app.get(TokenKeys);
    const jwksBefore = (await fetchJwks(t)).body as JSONWebKeySet;
    const forged = signedBy(
      { ...keys.signingKey(), kid: 'unknown-kid' },
      decodeJwt(user.accessToken).payload,
    );
    await pg.stop();
    try {
      // Longer than one re-read interval: the failed re-read must not drop the keys held.
      await sleep(KEY_REFRESH_MS + 1_500);
      await expect(keys.refresh()).rejects.toThrow();
      expect(keys.signingKey().kid).toBe(kidOf(user.accessToken));
      const jwks = await fetchJwks(t);
      expect(jwks.body).toEqual(jwksBefore);
      await expect(
        verifyLocally(t, jwks.body as JSONWebKeySet, user.accessToken),
      ).resolves.toBeDefined();
      const genuine = await getMe(t, user.accessToken);
      expectUniformError(genuine, 503);
      expectUniformError(await getMe(t, forged), 401);
    } finally {
      await pg.start();
    }
    let status = 0;
    for (let waited = 0; status !== 200 && waited < 20_000; waited += 200) {
      status = (await getMe(t, user.accessToken)).status;
      if (status !== 200) await sleep(200);
    }
    expect(status).toBe(200);
  }, 60_000);
});
