import { generateKeyPairSync, randomBytes } from 'node:crypto';
import request from 'supertest';
import { TokenKeys } from '../../src/signing-keys/token-keys.service';
import {
  bearer,
  decodeJwt,
  login,
  registerAndLogin,
  RELAXED_LIMITS,
  type LoggedIn,
} from '../support/auth-helpers';
import {
  resignedBy,
  startResourceService,
  type Changes,
  type ResourceService,
} from '../support/resource-service';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * examples/resource-service, run as its own process beside the app: it verifies our access tokens
 * with nothing but our JWKS (jose's remote key set), and asks GET /api/auth/session only on
 * /whoami/live. Each block has its own app and its own resource service, so the blocks can run in
 * any order (test:random).
 */

const kidOf = (token: string): string => decodeJwt(token).header.kid as string;
const sidOf = (token: string): string => decodeJwt(token).payload.sid as string;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Signs in again until the token names `kid` (a rotated key starts signing a moment later). */
async function loginUntilSignedBy(t: TestApp, user: LoggedIn, kid: string): Promise<LoggedIn> {
  const until = Date.now() + 15_000;
  for (;;) {
    const fresh = await login(t, user);
    if (kidOf(fresh.accessToken) === kid) return fresh;
    if (Date.now() > until) throw new Error(`no token signed by ${kid} within 15 s`);
    await sleep(250);
  }
}

/** The kids our JWKS lists right now. */
async function publishedKids(t: TestApp): Promise<string[]> {
  const res = await request(t.url).get('/.well-known/jwks.json').expect(200);
  return (res.body.keys as Array<{ kid: string }>).map((key) => key.kid);
}

const strangerKey = (kid: string) => ({
  kid,
  algorithm: 'EdDSA',
  signingKey: generateKeyPairSync('ed25519').privateKey,
});

describe('resource service: verifying our tokens through the JWKS', () => {
  let t: TestApp;
  let rs: ResourceService;
  let user: LoggedIn;

  beforeAll(async () => {
    t = await startTestApp({ ...RELAXED_LIMITS, JWT_KEY_PUBLISH_AHEAD: '2s' });
    // jose's default cache (10 min, beyond any test), a short cooldown: a kid missing from the
    // cached set is fetched again at once, which is how the rotated key arrives here.
    rs = await startResourceService(t, { JWKS_COOLDOWN_MS: '200' });
    user = await registerAndLogin(t);
  });
  afterAll(async () => {
    await rs?.stop();
    await t?.close();
  });

  it('accepts a token of ours and answers its subject, session and methods; no token or a broken one is 401', async () => {
    const res = await rs.get('/whoami', user.accessToken).expect(200);
    expect(res.body).toEqual({ sub: user.id, sid: sidOf(user.accessToken), amr: ['pwd'] });
    const live = await rs.get('/whoami/live', user.accessToken).expect(200);
    expect(live.body).toEqual(res.body);

    const none = await request(rs.url).get('/whoami').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    const [header, payload, signature] = user.accessToken.split('.');
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await rs.get('/whoami', `${header}.${payload}.${flipped}`).expect(401);
  });

  it('after a rotation, a token of the old key and one of the new key both verify', async () => {
    const oldToken = (await login(t, user)).accessToken;
    const rotation = await t.app.get(TokenKeys).rotate('operator');
    expect(rotation.created).toBe(true);
    expect(rotation.kid).not.toBe(kidOf(oldToken));
    const newToken = (await loginUntilSignedBy(t, user, rotation.kid)).accessToken;
    expect(await publishedKids(t)).toEqual(expect.arrayContaining([kidOf(oldToken), rotation.kid]));

    for (const token of [oldToken, newToken]) {
      const res = await rs.get('/whoami', token).expect(200);
      expect(res.body).toMatchObject({ sub: user.id, sid: sidOf(token) });
    }
  });

  it('refuses a token signed by a foreign Ed25519 key, under our kid or a kid of its own', async () => {
    const ours = t.app.get(TokenKeys).signingKey();
    // Control: the same re-signing with our own key passes, so the refusals below are the key's.
    await rs.get('/whoami', await resignedBy(ours, user.accessToken)).expect(200);

    await rs.get('/whoami', await resignedBy(strangerKey(ours.kid), user.accessToken)).expect(401);
    const ownKid = randomBytes(16).toString('base64url');
    await rs.get('/whoami', await resignedBy(strangerKey(ownKid), user.accessToken)).expect(401);
  });

  it('refuses a token signed by our key that is not an access token for this audience', async () => {
    const ours = t.app.get(TokenKeys).signingKey();
    const resigned = (changes: Changes) => resignedBy(ours, user.accessToken, changes);
    await rs.get('/whoami', await resigned({})).expect(200); // control
    await rs.get('/whoami', await resigned({ typ: 'JWT' })).expect(401);
    await rs.get('/whoami', await resigned({ claims: { aud: 'another-api' } })).expect(401);
    await rs.get('/whoami', await resigned({ claims: { iss: 'another-issuer' } })).expect(401);
    const past = Math.floor(Date.now() / 1000) - 60;
    await rs.get('/whoami', await resigned({ claims: { exp: past } })).expect(401);
  });

  it('after logout the local check passes until exp, while /whoami/live and /api/auth/session say 401', async () => {
    const session = await login(t, user);
    await rs.get('/whoami/live', session.accessToken).expect(200);
    await request(t.url)
      .get('/api/auth/session')
      .set(...bearer(session.accessToken))
      .expect(200);

    await request(t.url)
      .post('/api/auth/logout')
      .set(...bearer(session.accessToken))
      .expect(204);

    const local = await rs.get('/whoami', session.accessToken).expect(200);
    expect(local.body.sid).toBe(sidOf(session.accessToken));
    await rs.get('/whoami/live', session.accessToken).expect(401);
    await request(t.url)
      .get('/api/auth/session')
      .set(...bearer(session.accessToken))
      .expect(401);
  });
});

describe('resource service: a key retired longer than a token lives (ES256)', () => {
  let t: TestApp;
  let rs: ResourceService;

  beforeAll(async () => {
    t = await startTestApp({
      ...RELAXED_LIMITS,
      JWT_ALGORITHM: 'ES256',
      JWT_KEY_PUBLISH_AHEAD: '2s',
      JWT_ACCESS_TTL: '3s',
    });
    // A 1 s cache: the resource service sees a key leave the JWKS a second after it does.
    rs = await startResourceService(t, { JWKS_CACHE_MAX_AGE_MS: '1000' });
  });
  afterAll(async () => {
    await rs?.stop();
    await t?.close();
  });

  it('refuses the key once it has left the JWKS: its own expired token and a fresh token signed by it', async () => {
    const user = await registerAndLogin(t);
    const keys = t.app.get(TokenKeys);
    const retiring = keys.signingKey();
    expect(kidOf(user.accessToken)).toBe(retiring.kid);
    // Control: while the key is published, a fresh token signed by it passes.
    await rs.get('/whoami', await resignedBy(retiring, user.accessToken)).expect(200);

    const rotation = await keys.rotate('operator');
    await loginUntilSignedBy(t, user, rotation.kid);
    // Out of the JWKS one access-token lifetime (3 s) after it stopped signing.
    const until = Date.now() + 20_000;
    while ((await publishedKids(t)).includes(retiring.kid)) {
      if (Date.now() > until) throw new Error(`${retiring.kid} still published after 20 s`);
      await sleep(250);
    }
    await sleep(1_200); // the resource service's cached set (1 s) has aged out

    await rs.get('/whoami', user.accessToken).expect(401);
    await rs.get('/whoami', await resignedBy(retiring, user.accessToken)).expect(401);
    // The service itself is fine: a token of the signing key (fresh: they live 3 s here) passes.
    const current = await login(t, user);
    expect(kidOf(current.accessToken)).toBe(rotation.kid);
    const res = await rs.get('/whoami', current.accessToken).expect(200);
    expect(res.body.sid).toBe(sidOf(current.accessToken));
  }, 60_000);
});

describe('resource service: our service stopped', () => {
  let t: TestApp;
  let rs: ResourceService;
  let stopped = false;

  beforeAll(async () => {
    t = await startTestApp(RELAXED_LIMITS);
    rs = await startResourceService(t, { JWKS_CACHE_MAX_AGE_MS: '1000' });
  });
  afterAll(async () => {
    await rs?.stop();
    if (!stopped) await t?.close();
  });

  it('/whoami/live answers 503 and /whoami verifies with the keys it fetched before', async () => {
    const user = await registerAndLogin(t);
    await rs.get('/whoami', user.accessToken).expect(200);
    const signing = t.app.get(TokenKeys).signingKey();

    const { url } = t;
    stopped = true;
    await t.close();
    await expect(fetch(`${url}/.well-known/jwks.json`)).rejects.toThrow();
    await sleep(1_200); // past the 1 s cache: jose fetches again, fails, the held set answers

    await rs.get('/whoami/live', user.accessToken).expect(503);
    const res = await rs.get('/whoami', user.accessToken).expect(200);
    expect(res.body.sub).toBe(user.id);
    // The held set is still our keys only.
    await rs
      .get('/whoami', await resignedBy(strangerKey(signing.kid), user.accessToken))
      .expect(401);
    // A resource service that never fetched our keys cannot verify anything: 503, not 401.
    const newcomer = await startResourceService(t);
    try {
      await newcomer.get('/whoami', user.accessToken).expect(503);
    } finally {
      await newcomer.stop();
    }
  });
});
