import { Injectable } from '@nestjs/common';
import { Transactions } from '../../database/transactions';

/** What a one-time link is for; a token of one purpose is never accepted for another. */
export type TokenPurpose = 'verify_email' | 'password_reset' | 'email_change';

export interface NewAccountToken {
  userId: string;
  purpose: TokenPurpose;
  tokenHash: string;
  ttlSeconds: number;
  /** Only for `email_change`: the address the account moves to once the link is used. */
  newEmail?: string;
}

/** A token that was just spent: whose it was and, for an email change, the new address. */
export interface SpentAccountToken {
  userId: string;
  tokenHash: string;
  newEmail: string | null;
}

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
    await this.tx.manager.query(
      `INSERT INTO account_tokens (user_id, purpose, token_hash, new_email, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       ON CONFLICT (user_id, purpose) WHERE spent_at IS NULL DO UPDATE
          SET token_hash = excluded.token_hash, new_email = excluded.new_email,
              expires_at = excluded.expires_at, created_at = now()`,
      [token.userId, token.purpose, token.tokenHash, token.newEmail ?? null, token.ttlSeconds],
    );
  }

  /**
   * Spends the live, unexpired token with this hash and purpose: one conditional UPDATE, so of two
   * requests presenting one token only one gets a row back. Undefined for an unknown, expired,
   * spent or superseded token (superseded ones no longer have their hash stored).
   */
  async spend(purpose: TokenPurpose, tokenHash: string): Promise<SpentAccountToken | undefined> {
    const [rows] = await this.tx.manager.query<[SpentAccountToken[], number]>(
      `UPDATE account_tokens SET spent_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND spent_at IS NULL AND expires_at > now()
        RETURNING user_id AS "userId", token_hash AS "tokenHash", new_email AS "newEmail"`,
      [tokenHash, purpose],
    );
    return rows[0];
  }

  /**
   * The owner of a live, unexpired token, without spending it: lets a reset check the new password
   * against the account (and hash it) before the transaction that spends the token.
   */
  async findLiveOwner(purpose: TokenPurpose, tokenHash: string): Promise<string | undefined> {
    const [row] = await this.tx.manager.query<Array<{ userId: string }>>(
      `SELECT user_id AS "userId" FROM account_tokens
        WHERE token_hash = $1 AND purpose = $2 AND spent_at IS NULL AND expires_at > now()`,
      [tokenHash, purpose],
    );
    return row?.userId;
  }

  /** Kills the user's live tokens of `purpose` (a password reset also ends pending reset links). */
  async revokeLive(userId: string, purpose: TokenPurpose): Promise<void> {
    await this.tx.manager.query(
      'UPDATE account_tokens SET spent_at = now() WHERE user_id = $1 AND purpose = $2 AND spent_at IS NULL',
      [userId, purpose],
    );
  }
}
