import { Injectable } from '@nestjs/common';
import { IsNull, LessThan, Not, Or, type Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { TotpEntity } from './totp.entity';

export interface TotpRow extends Pick<TotpEntity, 'secret'> {
  confirmed: boolean;
}

/**
 * The mfa_totp table: one authenticator per user, its secret as field-cipher ciphertext. (TypeORM's
 * postgres driver answers a raw UPDATE or DELETE with [rows, rowCount], an INSERT with the rows.)
 */
@Injectable()
export class TotpRepository {
  constructor(private readonly tx: Transactions) {}

  /** A new pending secret (replacing a pending one); false when a confirmed one exists. */
  async savePending(userId: string, secret: string): Promise<boolean> {
    // SQL: the upsert replaces only a pending secret, decided by the conflicting row itself.
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
    const row = await this.authenticators().findOne({
      select: { userId: true, secret: true, confirmedAt: true },
      where: { userId },
    });
    return row ? { secret: row.secret, confirmed: row.confirmedAt !== null } : undefined;
  }

  /**
   * Records `step` as used when it is later than the last used one (and, with `confirm`, confirms a
   * pending secret), in one conditional UPDATE: two requests with one code cannot both win.
   */
  async useStep(userId: string, step: number, confirm: boolean): Promise<boolean> {
    const { affected } = await this.authenticators().update(
      {
        userId,
        lastUsedStep: Or(IsNull(), LessThan(String(step))),
        confirmedAt: confirm ? IsNull() : Not(IsNull()),
      },
      { lastUsedStep: String(step), ...(confirm && { confirmedAt: () => 'now()' }) },
    );
    return (affected ?? 0) > 0;
  }

  /** Removes the authenticator; true when there was a confirmed one. */
  async remove(userId: string): Promise<boolean> {
    // SQL: one DELETE that also says whether what it removed was confirmed.
    const [rows] = await this.tx.manager.query<[Array<{ confirmed: boolean }>, number]>(
      `DELETE FROM mfa_totp WHERE user_id = $1 RETURNING confirmed_at IS NOT NULL AS confirmed`,
      [userId],
    );
    return rows.some((row) => row.confirmed);
  }

  private authenticators(): Repository<TotpEntity> {
    return this.tx.manager.getRepository(TotpEntity);
  }
}
