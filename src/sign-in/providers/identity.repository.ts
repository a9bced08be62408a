import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { FieldCipher } from '../../crypto/field-cipher.service';
import { isUniqueViolation } from '../../database/postgres-errors';
import { Transactions } from '../../database/transactions';
import { UserIdentityEntity } from '../../users/user-identity.entity';

/** A linked identity as the service reads it: the address decrypted. */
export interface LinkedIdentity {
  id: string;
  userId: string;
  provider: string;
  email: string | null;
  createdAt: Date;
}

const TABLE = 'user_identities';

/** The `user_identities` table: an account's provider identities. */
@Injectable()
export class IdentityRepository {
  constructor(
    private readonly tx: Transactions,
    private readonly cipher: FieldCipher,
  ) {}

  /** The identity with this (issuer, subject), whichever account has it. */
  async findByKey(issuer: string, subject: string): Promise<LinkedIdentity | undefined> {
    const row = await this.identities().findOneBy({ issuer, subject });
    return row ? this.toIdentity(row) : undefined;
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    const rows = await this.identities().find({ where: { userId }, order: { createdAt: 'ASC' } });
    return rows.map((row) => this.toIdentity(row));
  }

  async countForUser(userId: string): Promise<number> {
    return this.identities().countBy({ userId });
  }

  /** Undefined when (issuer, subject) is already linked, to this account or another. */
  async insert(
    userId: string,
    provider: string,
    key: { issuer: string; subject: string },
    email: string | null,
  ): Promise<LinkedIdentity | undefined> {
    const id = crypto.randomUUID();
    const emailEncrypted = email === null ? null : this.cipher.encrypt(email, at(id));
    const row = { id, userId, provider, ...key, emailEncrypted };
    try {
      await this.identities().insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
    return this.toIdentity({ ...row, createdAt: new Date() });
  }

  /** Deletes one of the user's identities; false when the user has none with this id. */
  async delete(userId: string, id: string): Promise<boolean> {
    const { affected } = await this.identities().delete({ userId, id });
    return affected === 1;
  }

  private toIdentity(row: UserIdentityEntity): LinkedIdentity {
    return {
      id: row.id,
      userId: row.userId,
      provider: row.provider,
      email: row.emailEncrypted ? this.cipher.decrypt(row.emailEncrypted, at(row.id)) : null,
      createdAt: row.createdAt,
    };
  }

  private identities(): Repository<UserIdentityEntity> {
    return this.tx.manager.getRepository(UserIdentityEntity);
  }
}

const at = (rowId: string) => ({ table: TABLE, column: 'email_encrypted', rowId });
