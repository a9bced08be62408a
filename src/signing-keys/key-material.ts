import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { hmacKey } from '../crypto/hmac-key';

export type TokenAlgorithm = 'EdDSA' | 'ES256' | 'HS256';
export type AsymmetricAlgorithm = Exclude<TokenAlgorithm, 'HS256'>;

/** One key as the service holds it: KeyObjects built once, so no request parses a key. */
export interface TokenKey {
  kid: string;
  algorithm: TokenAlgorithm;
  /** Signs: the private key, or the HMAC secret. */
  signingKey: KeyObject;
  /** Verifies: the public key, or the same HMAC secret. */
  verificationKey: KeyObject;
  /** The public JWK for the JWKS; none for HS256, whose key is never published. */
  jwk?: PublishedJwk;
}

/** A public key as the JWKS lists it (RFC 7517/8037): OKP Ed25519 or EC P-256. */
export interface PublishedJwk {
  kid: string;
  kty: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  crv: string;
  x: string;
  y?: string;
}

/** A new private key for `algorithm`, as PKCS#8 PEM (what the database keeps, encrypted). */
export function newPrivateKeyPem(algorithm: AsymmetricAlgorithm): string {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * An asymmetric key from its decrypted PEM. The public half is derived here, never read from a row,
 * and the key must be of the algorithm's type: an EdDSA row holding a P-256 key is refused.
 */
export function asymmetricKey(kid: string, algorithm: AsymmetricAlgorithm, pem: string): TokenKey {
  const signingKey = createPrivateKey(pem);
  const wanted = algorithm === 'EdDSA' ? 'ed25519' : 'ec';
  const curve = signingKey.asymmetricKeyDetails?.namedCurve;
  if (signingKey.asymmetricKeyType !== wanted || (wanted === 'ec' && curve !== 'prime256v1'))
    throw new Error(`signing key ${kid} is not an ${algorithm} key`);
  const verificationKey = createPublicKey(signingKey);
  const { kty, crv, x, y } = verificationKey.export({ format: 'jwk' }) as Record<string, string>;
  const jwk: PublishedJwk = { kid, kty, alg: algorithm, use: 'sig', crv, x, ...(y ? { y } : {}) };
  return { kid, algorithm, signingKey, verificationKey, jwk };
}

/**
 * The HS256 key from JWT_SECRET. Its `kid` is derived from the secret (an HMAC of a fixed label,
 * which reveals nothing of it), so every instance given the same secret names it the same.
 */
export function sharedSecretKey(secret: string): TokenKey {
  const key = hmacKey(secret);
  const kid = `hs-${createHmac('sha256', key).update('jwt kid').digest('base64url').slice(0, 16)}`;
  return { kid, algorithm: 'HS256', signingKey: key, verificationKey: key };
}
