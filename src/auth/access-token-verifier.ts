import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import type { TokenKeys } from '../signing-keys/token-keys.service';
import type { TokenKey } from '../signing-keys/key-material';
import { ACCESS_TOKEN_HEADER_TYPE } from './tokens.service';
import { VerifiedTokens } from './verified-tokens';

/**
 * One per process, like passport's strategy registry: enough for the live tokens of several
 * thousand active clients (about 1 KB each).
 */
const verified = new VerifiedTokens(5_000);

type Verifier = (
  token: string,
  key: TokenKey,
  options: { issuer: string; audience: string },
  callback: (error: Error | null, payload?: JWTPayload) => void,
) => void;

/**
 * passport-jwt's key provider: the key the token's header names, if that key may verify a live
 * token and the header's `alg` is the key's own. Anything else (no `kid`, a retired or revoked or
 * foreign one, `alg: none`, another algorithm: the confusion attacks) ends here, before any
 * signature work.
 */
export function keyByKid(keys: TokenKeys): SecretOrKeyProvider {
  return (_request, rawToken: string, done) => {
    let header: { kid?: unknown; alg?: unknown };
    try {
      header = decodeProtectedHeader(rawToken);
    } catch {
      return done(new Error('malformed token'));
    }
    const settle = (key: TokenKey | undefined): void => {
      if (!key || header.alg !== key.algorithm) return done(new Error('no such key'));
      // passport-jwt hands the key, untouched, to its verifier below.
      done(null, key as unknown as Buffer);
    };
    // The held key synchronously (every request but the rare one naming a kid not read yet).
    const held = keys.verificationKey(header.kid);
    if (held) settle(held);
    else void keys.verificationKeyOrReread(header.kid).then(settle);
  };
}

/**
 * passport-jwt verifies with jsonwebtoken, which has no EdDSA. Its verification step is the static
 * `JwtStrategy.JwtVerifier` (the seam its own tests replace); it is pointed here, once, at jose's
 * jwtVerify: signature with the key the provider chose, pinned to that key's algorithm, then `typ`,
 * `iss`, `aud`, `exp` and `nbf` with no clock tolerance.
 */
export const joseVerifier: Verifier = (token, key, options, callback) => {
  const known = verified.get(token, key, Math.floor(Date.now() / 1000));
  if (known) return callback(null, known);
  jwtVerify(token, key.verificationKey, {
    algorithms: [key.algorithm],
    typ: ACCESS_TOKEN_HEADER_TYPE,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: 0,
    requiredClaims: ['exp', 'iat', 'sub'],
  }).then(
    ({ payload }) => {
      verified.remember(token, key, payload);
      callback(null, payload);
    },
    (error: Error) => callback(error),
  );
};

(Strategy as unknown as { JwtVerifier: Verifier }).JwtVerifier = joseVerifier;
