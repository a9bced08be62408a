import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

/** The mfa_recovery_codes table: SHA-256 digests of a user's recovery codes. */
@Injectable()
export class RecoveryCodeRepository {
  constructor(private readonly tx: Transactions) {}

  /** The user's set becomes exactly `hashes` (the old codes, used or not, are gone). */
  async replace(userId: string, hashes: string[]): Promise<void> {
    await this.tx.manager.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    await this.tx.manager.query(
      `INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`,
      [userId, hashes],
    );
  }

  /** Marks an unused code used in one conditional UPDATE: of two concurrent uses, one wins. */
  async consume(userId: string, hash: string): Promise<boolean> {
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE mfa_recovery_codes SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL
       RETURNING id`,
      [userId, hash],
    );
    return count > 0;
  }

  async countUnused(userId: string): Promise<number> {
    const [row] = await this.tx.manager.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return row.n;
  }

  async removeAll(userId: string): Promise<void> {
    await this.tx.manager.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
  }
}
