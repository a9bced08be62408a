import { Injectable } from '@nestjs/common';
import { IsNull, type Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { AccountTokenEntity } from './account-token.entity';

/** What a one-time link is for; a token of one purpose is never accepted for another. */
export type TokenPurpose = AccountTokenEntity['purpose'];

/** Links that die with the credentials they were issued under. */
export const BOUND_PURPOSES: ReadonlySet<TokenPurpose> = new Set([
  'password_reset',
  'email_change',
]);

export interface NewAccountToken {
  userId: string;
  purpose: TokenPurpose;
  tokenHash: string;
  ttlSeconds: number;
  /** Only for `email_change`: the address the account moves to once the link is used. */
  newEmail?: string;
  /** Only for bound purposes: the account's credentials version the request was checked under. */
  credentialsVersion?: number;
}

/**
 * A link works only for an active account, and a bound one only while the account's credentials
 * version is still the one it was issued under (`t` the token, `u` its user).
 */
const USABLE = `t.spent_at IS NULL AND t.expires_at > now() AND u.is_active
  AND (t.credentials_version IS NULL OR t.credentials_version = u.credentials_version)`;

/** A token that was just spent: whose it was and, for an email change, the new address. */
export type SpentAccountToken = Pick<AccountTokenEntity, 'userId' | 'tokenHash' | 'newEmail'>;

/** The `account_tokens` table: the one place it is read or written. */
@Injectable()
export class AccountTokenRepository {
  constructor(private readonly tx: Transactions) {}

  /**
   * Stores a token as the one live token of its user and purpose. One statement: the live row (if
   * any) takes the new hash, expiry and address, so every earlier link of that purpose dies at once,
   * and two concurrent issues cannot leave two live tokens (the partial unique index).
   */
  async issue(token: NewAccountToken): Promise<void> {
    // SQL: an upsert on the partial unique index (one live token per user and purpose).
    await this.tx.manager.query(
      `INSERT INTO account_tokens (user_id, purpose, token_hash, new_email, expires_at, credentials_version)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)
       ON CONFLICT (user_id, purpose) WHERE spent_at IS NULL DO UPDATE
          SET token_hash = excluded.token_hash, new_email = excluded.new_email,
              expires_at = excluded.expires_at, credentials_version = excluded.credentials_version,
              created_at = now()`,
      [
        token.userId,
        token.purpose,
        token.tokenHash,
        token.newEmail ?? null,
        token.ttlSeconds,
        token.credentialsVersion ?? null,
      ],
    );
  }

  /**
   * Spends the usable token with this hash and purpose: one conditional UPDATE, so of two requests
   * presenting one token only one gets a row back. Undefined for an unknown, expired, spent or
   * superseded token (superseded ones no longer have their hash stored), one of a deactivated
   * account, or a bound one whose credentials moved on.
   */
  async spend(purpose: TokenPurpose, tokenHash: string): Promise<SpentAccountToken | undefined> {
    // SQL: spent only if usable, checked against the user's row by the same UPDATE.
    const [rows] = await this.tx.manager.query<[SpentAccountToken[], number]>(
      `UPDATE account_tokens t SET spent_at = now() FROM users u
        WHERE u.id = t.user_id AND t.token_hash = $1 AND t.purpose = $2 AND ${USABLE}
        RETURNING t.user_id AS "userId", t.token_hash AS "tokenHash", t.new_email AS "newEmail"`,
      [tokenHash, purpose],
    );
    return rows[0];
  }

  /**
   * The owner of a usable token, without spending it: lets a reset check the new password
   * against the account (and hash it) before the transaction that spends the token.
   */
  async findLiveOwner(purpose: TokenPurpose, tokenHash: string): Promise<string | undefined> {
    const row = await this.tokens()
      .createQueryBuilder('t')
      .innerJoin('t.user', 'u')
      .select(['t.id', 't.userId'])
      .where({ tokenHash, purpose })
      .andWhere(USABLE)
      .getOne();
    return row?.userId;
  }

  /** Kills the user's live tokens of `purpose` (a password reset also ends pending reset links). */
  async revokeLive(userId: string, purpose: TokenPurpose): Promise<void> {
    await this.tokens().update({ userId, purpose, spentAt: IsNull() }, { spentAt: () => 'now()' });
  }

  private tokens(): Repository<AccountTokenEntity> {
    return this.tx.manager.getRepository(AccountTokenEntity);
  }
}
