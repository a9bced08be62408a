import { Injectable } from '@nestjs/common';
import type { FindOptionsWhere, Repository } from 'typeorm';
import { Transactions } from '../../database/transactions';
import { PasskeyEntity } from './passkey.entity';

/** A stored passkey; the counter as a number (it never comes near 2^53). */
export interface PasskeyRow extends Omit<PasskeyEntity, 'user' | 'counter'> {
  counter: number;
}

export type NewPasskey = Omit<PasskeyRow, 'id' | 'createdAt' | 'lastUsedAt'>;

/** PasskeyRow's columns for the INSERT that stays SQL, aliased to the property names. */
const COLUMNS = `id, user_id AS "userId", credential_id AS "credentialId", public_key AS "publicKey",
  counter::float8 AS counter, transports, backup_eligible AS "backupEligible", backed_up AS "backedUp",
  name, created_at AS "createdAt", last_used_at AS "lastUsedAt"`;

/** The passkeys table: WebAuthn credentials, always read and changed with their owner. */
@Injectable()
export class PasskeyRepository {
  constructor(private readonly tx: Transactions) {}

  /** The stored passkey; undefined when the credential id is already registered (to anyone). */
  async insert(passkey: NewPasskey): Promise<PasskeyRow | undefined> {
    // SQL: ON CONFLICT DO NOTHING, as a unique violation would abort the caller's transaction.
    const [row] = await this.tx.manager.query<PasskeyRow[]>(
      `INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports,
                             backup_eligible, backed_up, name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (credential_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        passkey.userId,
        passkey.credentialId,
        passkey.publicKey,
        passkey.counter,
        passkey.transports,
        passkey.backupEligible,
        passkey.backedUp,
        passkey.name,
      ],
    );
    return row;
  }

  async listForUser(userId: string): Promise<PasskeyRow[]> {
    const rows = await this.passkeys().find({ where: { userId }, order: { createdAt: 'ASC' } });
    return rows.map(toPasskeyRow);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const row = await this.passkeys().findOneBy({ credentialId });
    return row ? toPasskeyRow(row) : undefined;
  }

  countForUser(userId: string): Promise<number> {
    return this.passkeys().countBy({ userId });
  }

  /**
   * After a verified assertion: the authenticator's new counter and backup state, only if the
   * counter grows (or stays 0, as synced passkeys report it); false when it did not land. The
   * condition sits in the UPDATE because the counter the assertion was checked against was read
   * without a lock: a concurrent sign-in that committed a higher counter since makes this one miss
   * (PostgreSQL re-checks the condition on the row that sign-in left), so the counter never moves
   * backwards.
   */
  async recordUse(id: string, counter: number, backedUp: boolean): Promise<boolean> {
    // SQL: the rule compares the stored counter with the new one inside the UPDATE.
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE passkeys SET counter = $2, backed_up = $3, last_used_at = now()
       WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))
       RETURNING id`,
      [id, counter, backedUp],
    );
    return count > 0;
  }

  /** Removes one of the user's passkeys; false when the user has none with that id. */
  async remove(userId: string, id: string): Promise<boolean> {
    return (await this.delete({ userId, id })) > 0;
  }

  removeAll(userId: string): Promise<number> {
    return this.delete({ userId });
  }

  private async delete(where: FindOptionsWhere<PasskeyEntity>): Promise<number> {
    const { affected } = await this.passkeys().delete(where);
    return affected ?? 0;
  }

  private passkeys(): Repository<PasskeyEntity> {
    return this.tx.manager.getRepository(PasskeyEntity);
  }
}

function toPasskeyRow({ user: _user, counter, ...row }: PasskeyEntity): PasskeyRow {
  return { ...row, counter: Number(counter) };
}
