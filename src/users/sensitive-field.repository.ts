import { Injectable } from '@nestjs/common';
import {
  Brackets,
  type Repository,
  type SelectQueryBuilder,
  type WhereExpressionBuilder,
} from 'typeorm';
import { Transactions } from '../database/transactions';
import { SENSITIVE_FIELDS, type EncryptedFields, type SensitiveField } from './sensitive-fields';
import { UserEntity } from './user.entity';

/** Field name → the entity property holding its ciphertext (the column names are in sensitive-fields.ts). */
const PROPERTY = {
  ssn: 'ssnEncrypted',
  bankAccount: 'bankAccountEncrypted',
} as const satisfies Record<SensitiveField, keyof UserEntity>;

type CiphertextRow = Pick<UserEntity, 'id' | (typeof PROPERTY)[SensitiveField]>;

/**
 * The encrypted columns of `users`: the one place they are read or written (UserRepository never
 * reads them), for the owner's own reads and writes and for key rotation's batches.
 */
@Injectable()
export class SensitiveFieldRepository {
  constructor(private readonly tx: Transactions) {}

  async readEncrypted(id: string): Promise<EncryptedFields> {
    const row = await this.users().findOne({
      select: { id: true, ssnEncrypted: true, bankAccountEncrypted: true },
      where: { id },
    });
    return row ? toEncryptedFields(row) : { ssn: null, bankAccount: null };
  }

  /** Sets the given fields (null erases); fields not given keep their value. */
  async writeEncrypted(id: string, values: Partial<EncryptedFields>): Promise<void> {
    const fields = SENSITIVE_FIELDS.filter((field) => values[field] !== undefined);
    if (fields.length === 0) return;
    const changes: Partial<Record<(typeof PROPERTY)[SensitiveField], string | null>> = {};
    for (const field of fields) changes[PROPERTY[field]] = values[field];
    await this.users().update({ id }, { ...changes, updatedAt: () => 'now()' });
  }

  /** How many users have an encrypted value whose token does not start with `activePrefix`. */
  countEncryptedOutside(activePrefix: string): Promise<number> {
    return this.outside(activePrefix).getCount();
  }

  /** The next users (by id, after `afterId`) with a value not under `activePrefix`. */
  async encryptedOutside(
    activePrefix: string,
    afterId: string,
    limit: number,
  ): Promise<Array<{ id: string } & EncryptedFields>> {
    const rows = await this.outside(activePrefix)
      .select(['u.id', 'u.ssnEncrypted', 'u.bankAccountEncrypted'])
      .andWhere('u.id > :afterId', { afterId })
      .orderBy('u.id')
      .limit(limit)
      .getMany();
    return rows.map((row) => ({ id: row.id, ...toEncryptedFields(row) }));
  }

  /** Replaces one ciphertext only if it is still `expected` (a concurrent write wins); true if replaced. */
  async replaceEncrypted(
    id: string,
    field: SensitiveField,
    expected: string,
    fresh: string,
  ): Promise<boolean> {
    const property = PROPERTY[field];
    const { affected } = await this.users().update(
      { id, [property]: expected },
      { [property]: fresh },
    );
    return affected === 1;
  }

  /** Users with at least one value whose token is not under `activePrefix`. */
  private outside(activePrefix: string): SelectQueryBuilder<UserEntity> {
    return this.users()
      .createQueryBuilder('u')
      .where(
        new Brackets((any: WhereExpressionBuilder) => {
          for (const field of SENSITIVE_FIELDS) {
            const value = `u.${PROPERTY[field]}`;
            any.orWhere(`(${value} IS NOT NULL AND NOT starts_with(${value}, :activePrefix))`, {
              activePrefix,
            });
          }
        }),
      );
  }

  private users(): Repository<UserEntity> {
    return this.tx.manager.getRepository(UserEntity);
  }
}

function toEncryptedFields(row: CiphertextRow): EncryptedFields {
  return { ssn: row.ssnEncrypted, bankAccount: row.bankAccountEncrypted };
}
