import { createHmac, sign, type KeyObject } from 'node:crypto';
import type { TokenKey } from '../../src/signing-keys/key-material';

/** How a forged token's signature is made, whatever its header claims. */
export type SignatureKind = 'EdDSA' | 'ES256' | 'HS256' | 'HS384' | 'HS512';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Fields of `value` whose value is undefined removed, so a test can strip a claim or header. */
function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/**
 * A compact JWS built by hand, so that nothing refuses to build a hostile token: `header` and
 * `payload` as given, signed by `kind` with `key` (HMAC takes any bytes, even an empty string).
 */
export function handmadeJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  kind: SignatureKind,
  key: KeyObject | Buffer | string,
): string {
  const input = `${b64url(withoutUndefined(header))}.${b64url(withoutUndefined(payload))}`;
  const data = Buffer.from(input);
  let signature: Buffer;
  if (kind === 'EdDSA') signature = sign(null, data, key);
  else if (kind === 'ES256')
    signature = sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else
    signature = createHmac(`sha${kind.slice(2)}`, key)
      .update(data)
      .digest();
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * A token signed by `key` the way the service signs (header alg, kid, typ at+jwt), with `header`
 * changes applied (undefined removes one): a genuine signature on whatever claims a test chooses.
 */
export function signedBy(
  key: Pick<TokenKey, 'kid' | 'algorithm' | 'signingKey'>,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  return handmadeJws(
    { alg: key.algorithm, kid: key.kid, typ: 'at+jwt', ...header },
    payload,
    key.algorithm,
    key.signingKey,
  );
}
