import type { JWTPayload } from 'jose';
import type { TokenKey } from '../signing-keys/key-material';

interface Verified {
  key: TokenKey;
  payload: JWTPayload;
  exp: number;
  nbf: number;
}

/**
 * Access tokens whose signature and claims have been verified, so that a client presenting the same
 * token again (every request for up to 15 minutes) costs no second signature check: an Ed25519
 * verify through jose is most of a request's CPU. Keyed by the whole token string. A hit still
 * needs the very key object the key provider has just chosen for the token's `kid` (so a key that
 * has since been retired or revoked never serves from here) and an `exp` and `nbf` valid now, by
 * the same rule as jose (no tolerance). Bounded: the oldest entry goes first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly capacity: number) {}

  get(token: string, key: TokenKey, nowSeconds: number): JWTPayload | undefined {
    const entry = this.entries.get(token);
    if (!entry || entry.key !== key || entry.exp <= nowSeconds || entry.nbf > nowSeconds)
      return undefined;
    return entry.payload;
  }

  /** Only after jose has accepted `payload` for `token` with `key` (exp and nbf are then numbers). */
  remember(token: string, key: TokenKey, payload: JWTPayload): void {
    if (typeof payload.exp !== 'number') return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { key, payload, exp: payload.exp, nbf: payload.nbf ?? 0 });
  }
}
