import { Injectable } from '@nestjs/common';
import type { ClientContext } from '../common/http/client-context';
import { normaliseEmail } from '../common/text/normalise-email';
import { sha256Hex } from '../crypto/digest';
import { clientNetwork } from './client-network';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { KnownNetworks } from './known-networks';

/** Link mails to one address per hour asked for by its owner (own session, or a known network). */
export const OWNER_MAILS_PER_HOUR = 3;
/** Link mails to one address per hour asked for from any one other network (/24, /64). */
export const STRANGER_MAILS_PER_NETWORK = 3;
/** Link mails to one address per hour asked for from all other networks together. */
export const STRANGER_MAILS_PER_ADDRESS = 10;

const HOUR_MS = 3_600_000;

/** A counter of the quota: its name in the store (and in keys) and its hourly limit. */
interface Bucket {
  name: string;
  limit: number;
}
const OWNER: Bucket = { name: 'mail_owner', limit: OWNER_MAILS_PER_HOUR };
const PER_NETWORK: Bucket = { name: 'mail_stranger_network', limit: STRANGER_MAILS_PER_NETWORK };
const PER_ADDRESS: Bucket = { name: 'mail_stranger_address', limit: STRANGER_MAILS_PER_ADDRESS };

/** Who asks for a mail to an address: decides which buckets count it. */
export interface MailRequester {
  /** Where the request comes from; a stranger is counted per network of its IP. */
  client: ClientContext;
  /**
   * The account that holds the address, when the caller knows there is one. Its owner is the
   * caller when the request comes from that account's own session (`viaOwnSession`) or from a
   * network the account signed in from in the last 90 days (looked up here).
   */
  owner?: { userId: string; viaOwnSession: boolean };
}

/** The outcome of asking for one more mail to an address. */
export interface MailAllowance {
  allowed: boolean;
  /** The hourly limit of the bucket that decided: what a 429 reports as `RateLimit-Limit`. */
  limit: number;
  /** Seconds until the address may be mailed again (when not allowed). */
  retryAfterSeconds: number;
}

/**
 * Mails with a link (verification, reset, email change) per recipient address, counted in the
 * shared rate-limit store (Redis, or memory while Redis is away), so the link routes cannot be
 * used to bomb one inbox from many IPs. A stranger gets 3 an hour from its network and shares 10
 * an hour with every other stranger; the owner has a bucket of its own that strangers never touch,
 * so flooding an address from elsewhere cannot keep its owner from a reset or verification link.
 * A request with no owner (an address without an account) is a stranger's, so a refusal tells
 * nothing about whether an account exists. Keys are SHA-256 hashes: no store holds an address.
 */
@Injectable()
export class MailQuota {
  constructor(
    private readonly storage: FallbackThrottlerStorage,
    private readonly knownNetworks: KnownNetworks,
  ) {}

  /** Counts one mail to `address` in the requester's bucket; `allowed: false` once it is used up. */
  async take(address: string, from: MailRequester): Promise<MailAllowance> {
    const addressKey = sha256Hex(normaliseEmail(address));
    if (await this.isOwner(from)) return this.count(addressKey, OWNER);
    const networkKey = sha256Hex(`${addressKey}\n${clientNetwork(from.client.ip)}`);
    const fromNetwork = await this.count(networkKey, PER_NETWORK);
    // A network over its own share never reaches the address-wide count: it cannot use it up.
    if (!fromNetwork.allowed) return fromNetwork;
    const fromAll = await this.count(addressKey, PER_ADDRESS);
    // Refused by the ceiling, the mail is not sent: it gives its place in the network's share back.
    if (!fromAll.allowed) await this.storage.release(networkKey, PER_NETWORK.name);
    return fromAll;
  }

  private async isOwner({ owner, client }: MailRequester): Promise<boolean> {
    if (!owner) return false;
    return owner.viaOwnSession || this.knownNetworks.includes(owner.userId, client.ip);
  }

  private async count(key: string, bucket: Bucket): Promise<MailAllowance> {
    const record = await this.storage.increment(key, HOUR_MS, bucket.limit, HOUR_MS, bucket.name);
    return {
      allowed: !record.isBlocked,
      limit: bucket.limit,
      retryAfterSeconds: Math.max(1, record.isBlocked ? record.timeToBlockExpire : 0),
    };
  }
}
