import { Injectable } from '@nestjs/common';
import { normaliseEmail } from '../common/text/normalise-email';
import { sha256Hex } from '../crypto/digest';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

/** API.md "Rate limits": at most 3 mails per address per hour. */
export const MAILS_PER_ADDRESS = 3;
const HOUR_MS = 3_600_000;
const THROTTLER = 'mail_per_address';

/** The outcome of asking for one more mail to an address. */
export interface MailAllowance {
  allowed: boolean;
  /** Seconds until the address may be mailed again (when not allowed). */
  retryAfterSeconds: number;
}

/**
 * Mails with a link (verification, reset, email change) per recipient address, counted in the
 * shared rate-limit store (Redis, or memory while Redis is away) so the public routes cannot be
 * used to bomb one inbox from many IPs. Counted whether or not the address has an account, so a
 * refusal tells nothing. Keys are SHA-256 hashes: no store holds an address.
 */
@Injectable()
export class MailQuota {
  constructor(private readonly storage: FallbackThrottlerStorage) {}

  /** Counts one mail to `address`; `allowed: false` once the hour's quota is used up. */
  async take(address: string): Promise<MailAllowance> {
    const record = await this.storage.increment(
      sha256Hex(normaliseEmail(address)),
      HOUR_MS,
      MAILS_PER_ADDRESS,
      HOUR_MS,
      THROTTLER,
    );
    return {
      allowed: !record.isBlocked,
      retryAfterSeconds: Math.max(1, record.isBlocked ? record.timeToBlockExpire : 0),
    };
  }
}
