import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
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
 * The encrypted columns of `users`: the one place the owner's reads and writes reach them
 * (UserRepository never reads them; key rotation's batches go through key-rotation/).
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

  private users(): Repository<UserEntity> {
    return this.tx.manager.getRepository(UserEntity);
  }
}

function toEncryptedFields(row: CiphertextRow): EncryptedFields {
  return { ssn: row.ssnEncrypted, bankAccount: row.bankAccountEncrypted };
}
