import { BadRequestException, Injectable } from '@nestjs/common';
import { INVALID_LINK } from '../common/auth/account-messages';
import { AccountsConfig } from '../config/config-sections';
import { digestsEqual, sha256Hex } from '../crypto/digest';
import { generateOpaqueToken } from '../crypto/random';
import {
  AccountTokenRepository,
  BOUND_PURPOSES,
  type NewAccountToken,
  type SpentAccountToken,
  type TokenPurpose,
} from './account-token.repository';

/** What a link is for and whose it is (see NewAccountToken); the secret and lifetime are made here. */
export type LinkRequest = Omit<NewAccountToken, 'tokenHash' | 'ttlSeconds'>;

/** A token as issued: the secret goes into the mail link and nowhere else. */
export interface IssuedToken {
  token: string;
  /** How long the link works, in words, for the mail ("30 minutes"). */
  validFor: string;
}

/**
 * One-time link tokens: 256 bits from the CSPRNG, stored only as SHA-256, one live token per user
 * and purpose (issuing kills the earlier ones), spent by one conditional update, lifetimes from
 * PASSWORD_RESET_TTL and EMAIL_VERIFY_TTL. Call `issue` and `spend` inside the transaction of the
 * change they belong to, so a rolled-back change leaves the token as it was.
 */
@Injectable()
export class AccountTokensService {
  private readonly ttlSeconds: Record<TokenPurpose, number>;

  constructor(
    private readonly tokens: AccountTokenRepository,
    accounts: AccountsConfig,
  ) {
    const verify = accounts.emailVerifyTtlSeconds;
    this.ttlSeconds = {
      verify_email: verify,
      email_change: verify,
      password_reset: accounts.passwordResetTtlSeconds,
    };
  }

  /**
   * A reset or email-change link must name the credentials version its request was checked under:
   * it dies as soon as that version moves on.
   */
  async issue(request: LinkRequest): Promise<IssuedToken> {
    const { purpose } = request;
    if (BOUND_PURPOSES.has(purpose) !== (request.credentialsVersion !== undefined))
      throw new Error(`a ${purpose} link is issued with a credentials version exactly when bound`);
    const token = generateOpaqueToken();
    const ttlSeconds = this.ttlSeconds[purpose];
    await this.tokens.issue({ ...request, tokenHash: sha256Hex(token), ttlSeconds });
    return { token, validFor: inWords(ttlSeconds) };
  }

  /** Spends `token` for `purpose`, or throws 400 INVALID_LINK, whatever the reason. */
  async spend(purpose: TokenPurpose, token: string): Promise<SpentAccountToken> {
    const presented = sha256Hex(token);
    const spent = await this.tokens.spend(purpose, presented);
    // The row was found by its hash; the constant-time comparison makes that match explicit
    // without a timing side channel, whatever the database's index lookup does.
    if (!spent || !digestsEqual(spent.tokenHash, presented))
      throw new BadRequestException(INVALID_LINK);
    return spent;
  }

  /** The owner of a live `token` without spending it, or 400 INVALID_LINK. */
  async ownerOf(purpose: TokenPurpose, token: string): Promise<string> {
    const owner = await this.tokens.findLiveOwner(purpose, sha256Hex(token));
    if (!owner) throw new BadRequestException(INVALID_LINK);
    return owner;
  }

  revokeLive(userId: string, purpose: TokenPurpose): Promise<void> {
    return this.tokens.revokeLive(userId, purpose);
  }
}

/** 1800 → "30 minutes", 86400 → "24 hours": the largest unit that divides the lifetime evenly. */
export function inWords(seconds: number): string {
  const units: Array<[number, string]> = [
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
