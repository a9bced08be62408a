import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

export interface TotpRow {
  secret: string;
  confirmed: boolean;
}

/**
 * The mfa_totp table: one authenticator per user, its secret as field-cipher ciphertext. (TypeORM's
 * postgres driver answers an UPDATE or DELETE with [rows, rowCount], an INSERT with the rows.)
 */
@Injectable()
export class TotpRepository {
  constructor(private readonly tx: Transactions) {}

  /** A new pending secret (replacing a pending one); false when a confirmed one exists. */
  async savePending(userId: string, secret: string): Promise<boolean> {
    const rows = await this.tx.manager.query<unknown[]>(
      `INSERT INTO mfa_totp (user_id, secret) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, last_used_step = NULL,
              created_at = now()
        WHERE mfa_totp.confirmed_at IS NULL
       RETURNING user_id`,
      [userId, secret],
    );
    return rows.length > 0;
  }

  async find(userId: string): Promise<TotpRow | undefined> {
    const [row] = await this.tx.manager.query<Array<{ secret: string; confirmed: boolean }>>(
      'SELECT secret, confirmed_at IS NOT NULL AS confirmed FROM mfa_totp WHERE user_id = $1',
      [userId],
    );
    return row;
  }

  /**
   * Records `step` as used when it is later than the last used one (and, with `confirm`, confirms a
   * pending secret), in one conditional UPDATE: two requests with one code cannot both win.
   */
  async useStep(userId: string, step: number, confirm: boolean): Promise<boolean> {
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE mfa_totp SET last_used_step = $2,
              confirmed_at = CASE WHEN $3 THEN now() ELSE confirmed_at END
        WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)
          AND (confirmed_at IS NULL) = $3
       RETURNING user_id`,
      [userId, step, confirm],
    );
    return count > 0;
  }

  /** Removes the authenticator; true when there was a confirmed one. */
  async remove(userId: string): Promise<boolean> {
    const [rows] = await this.tx.manager.query<[Array<{ confirmed: boolean }>, number]>(
      `DELETE FROM mfa_totp WHERE user_id = $1 RETURNING confirmed_at IS NOT NULL AS confirmed`,
      [userId],
    );
    return rows.some((row) => row.confirmed);
  }
}
