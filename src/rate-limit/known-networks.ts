import { Injectable } from '@nestjs/common';
import { CryptoOptions } from '../crypto/crypto-options';
import { hmacSha256Hex } from '../crypto/digest';
import { clientNetwork } from './client-network';
import { KnownNetworkRepository } from './known-network.repository';

/** A network unused by the account for this long is a stranger's again. */
export const KNOWN_NETWORK_DAYS = 90;

/**
 * The networks (/24, /64) each account has signed in from, so a limit can tell its owner apart
 * from strangers without a session to go by (a forgotten password). Stored as an HMAC of user
 * and network with a key derived from the pepper: no raw address is kept, and a fingerprint
 * means nothing without the secret.
 */
@Injectable()
export class KnownNetworks {
  private readonly key: string;

  constructor(
    private readonly repository: KnownNetworkRepository,
    crypto: CryptoOptions,
  ) {
    this.key = hmacSha256Hex(crypto.passwordPepper, 'known-network-fingerprint/v1');
  }

  /** Inside the sign-in's transaction: `ip`'s network is now known for the account. */
  remember(userId: string, ip: string): Promise<void> {
    return this.repository.record(userId, this.fingerprint(userId, ip), KNOWN_NETWORK_DAYS);
  }

  /** Whether the account signed in from `ip`'s network in the last 90 days. */
  includes(userId: string, ip: string): Promise<boolean> {
    return this.repository.seenWithin(userId, this.fingerprint(userId, ip), KNOWN_NETWORK_DAYS);
  }

  private fingerprint(userId: string, ip: string): string {
    return hmacSha256Hex(this.key, userId, '\n', clientNetwork(ip));
  }
}
