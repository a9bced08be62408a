import { Injectable } from '@nestjs/common';
import { IsNull, type Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { RecoveryCodeEntity } from './recovery-code.entity';

/** The mfa_recovery_codes table: SHA-256 digests of a user's recovery codes. */
@Injectable()
export class RecoveryCodeRepository {
  constructor(private readonly tx: Transactions) {}

  /** The user's set becomes exactly `hashes` (the old codes, used or not, are gone). */
  async replace(userId: string, hashes: string[]): Promise<void> {
    await this.codes().delete({ userId });
    if (hashes.length === 0) return;
    await this.codes().insert(hashes.map((codeHash) => ({ userId, codeHash })));
  }

  /** Marks an unused code used in one conditional UPDATE: of two concurrent uses, one wins. */
  async consume(userId: string, hash: string): Promise<boolean> {
    const { affected } = await this.codes().update(
      { userId, codeHash: hash, usedAt: IsNull() },
      { usedAt: () => 'now()' },
    );
    return (affected ?? 0) > 0;
  }

  countUnused(userId: string): Promise<number> {
    return this.codes().countBy({ userId, usedAt: IsNull() });
  }

  async removeAll(userId: string): Promise<void> {
    await this.codes().delete({ userId });
  }

  private codes(): Repository<RecoveryCodeEntity> {
    return this.tx.manager.getRepository(RecoveryCodeEntity);
  }
}
