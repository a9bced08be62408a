// A resource service that trusts our access tokens without sharing a secret with us: it fetches the
// public keys from our JWKS and verifies each token itself. See README.md beside this file.
import Fastify from 'fastify';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';

const config = readConfig(process.env);

// jose's remote key set fetches the JWKS on first use and keeps it in memory:
// - cacheMaxAge: after this long the next verification fetches the set again first (jose's
//   default is 10 min; we use 300 s, the max-age our JWKS response announces, because jose does
//   not read Cache-Control). A key we publish ahead of signing (10 min by default) is therefore in
//   this cache before any token names it.
// - cooldownDuration: a token naming a kid missing from the cached set makes jose fetch again at
//   once, but not sooner than this after the last fetch (jose's default, 30 s), so a stream of
//   tokens with made-up kids cannot turn into a stream of requests to us.
// JWKS_CACHE_MAX_AGE_MS and JWKS_COOLDOWN_MS exist for tests, which rotate keys in seconds.
const remoteKeys = createRemoteJWKSet(new URL(config.jwksUrl), {
  cacheMaxAge: config.cacheMaxAgeMs,
  cooldownDuration: config.cooldownMs,
  timeoutDuration: 2_000, // a fetch that hangs holds up the request that needed it
});

/**
 * The key for a token's header: from jose's remote set while our JWKS answers; when it does not
 * (we are down or unreachable and the cache has aged out), from the last set fetched, so an outage
 * of the issuer does not take this service down with it. Only a set we fetched ourselves is used.
 */
async function verificationKey(header, token) {
  try {
    return await remoteKeys(header, token);
  } catch (error) {
    const held = isUnreachable(error) ? lastFetchedKeys() : undefined;
    if (!held) throw error;
    return held(header, token);
  }
}

let lastFetched; // { json, keys }: jose hands out copies of its set, so remember what was built
function lastFetchedKeys() {
  const set = remoteKeys.jwks();
  if (!set) return undefined;
  const json = JSON.stringify(set);
  if (lastFetched?.json !== json) lastFetched = { json, keys: createLocalJWKSet(set) };
  return lastFetched.keys;
}

/** The JWKS could not be fetched (a timeout, no connection, or not a 200 with JSON). */
function isUnreachable(error) {
  return (
    error instanceof errors.JWKSTimeout ||
    error?.code === 'ERR_JOSE_GENERIC' || // jose's error for a non-200 or non-JSON JWKS answer
    (error instanceof TypeError && error.message === 'fetch failed')
  );
}

/**
 * The claims of a valid access token of ours. Everything is checked here, locally: signature by a
 * key from our JWKS (EdDSA or ES256 only: never "none" or an HMAC), issuer, audience, header typ
 * "at+jwt" (RFC 9068: an ID token or other JWT signed by the same keys is not an access token),
 * exp and nbf. What cannot be checked locally is whether the session has ended since: see
 * /whoami/live.
 */
async function verifyAccessToken(token) {
  const { payload } = await jwtVerify(token, verificationKey, {
    algorithms: ['EdDSA', 'ES256'],
    issuer: config.issuer,
    audience: config.audience,
    typ: 'at+jwt',
    requiredClaims: ['exp', 'sub', 'sid'],
  });
  return payload;
}

const app = Fastify({ logger: { level: config.logLevel } });

/** Runs `handler` with the verified claims; answers 401 for a missing or invalid token. */
function withToken(handler) {
  return async (request, reply) => {
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return unauthorized(reply);
    let claims;
    try {
      claims = await verifyAccessToken(token);
    } catch (error) {
      if (isUnreachable(error)) return unavailable(reply, 'the signing keys cannot be fetched');
      request.log.info({ reason: error.code ?? error.message }, 'access token refused');
      return unauthorized(reply);
    }
    return handler({ token, claims }, reply);
  };
}

// Local verification only: no request to us. A token stays valid here until its exp, even after
// the user logged out or was locked out (our access tokens live 15 minutes by default).
app.get(
  '/whoami',
  withToken(({ claims }) => ({ sub: claims.sub, sid: claims.sid, amr: claims.amr })),
);

// Local verification, then the live check: our GET /api/auth/session answers 401 as soon as the
// session has ended. For the operations where 15 minutes of a revoked session is too long.
app.get(
  '/whoami/live',
  withToken(async ({ token }, reply) => {
    let res;
    try {
      res = await fetch(config.sessionUrl, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(config.sessionTimeoutMs),
        redirect: 'error',
      });
    } catch {
      return unavailable(reply, 'the session check did not answer');
    }
    if (res.status === 401) return unauthorized(reply);
    // A 429 (the check is rate-limited per token) or a 5xx says nothing about the session.
    if (res.status !== 200) return unavailable(reply, `the session check answered ${res.status}`);
    const live = await res.json().catch(() => undefined);
    if (typeof live?.sub !== 'string')
      return unavailable(reply, 'the session check answered nonsense');
    return { sub: live.sub, sid: live.sid, amr: live.amr };
  }),
);

function unauthorized(reply) {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer')
    .send({ statusCode: 401, error: 'Unauthorized', message: 'A valid access token is required' });
}

// 503, not 401: the token may be fine, and a client told 401 would throw it away.
function unavailable(reply, message) {
  return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message });
}

function readConfig(env) {
  const missing = ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_SESSION_URL'].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    console.error(`resource-service: set ${missing.join(', ')} (see README.md)`);
    process.exit(1);
  }
  const number = (name, fallback) => {
    const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
    if (!Number.isInteger(value) || value < 0) {
      console.error(`resource-service: ${name} must be a whole number`);
      process.exit(1);
    }
    return value;
  };
  return {
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    sessionUrl: env.AUTH_SESSION_URL,
    sessionTimeoutMs: number('AUTH_SESSION_TIMEOUT_MS', 2_000),
    cacheMaxAgeMs: number('JWKS_CACHE_MAX_AGE_MS', 300_000),
    cooldownMs: number('JWKS_COOLDOWN_MS', 30_000),
    host: env.HOST || '127.0.0.1',
    port: number('PORT', 4000),
    logLevel: env.LOG_LEVEL || 'info',
  };
}

// Stop cleanly on the signals a container runtime or a terminal sends.
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => void app.close().then(() => process.exit(0)));

await app.listen({ host: config.host, port: config.port });
