import { Injectable } from '@nestjs/common';
import { Transactions } from '../../database/transactions';

export interface PasskeyRow {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<PasskeyRow, 'id' | 'createdAt' | 'lastUsedAt'>;

const COLUMNS = `id, user_id AS "userId", credential_id AS "credentialId", public_key AS "publicKey",
  counter::float8 AS counter, transports, backup_eligible AS "backupEligible", backed_up AS "backedUp",
  name, created_at AS "createdAt", last_used_at AS "lastUsedAt"`;

/** The passkeys table: WebAuthn credentials, always read and changed with their owner. */
@Injectable()
export class PasskeyRepository {
  constructor(private readonly tx: Transactions) {}

  /** The stored passkey; undefined when the credential id is already registered (to anyone). */
  async insert(passkey: NewPasskey): Promise<PasskeyRow | undefined> {
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

  listForUser(userId: string): Promise<PasskeyRow[]> {
    return this.tx.manager.query<PasskeyRow[]>(
      `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at`,
      [userId],
    );
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const [row] = await this.tx.manager.query<PasskeyRow[]>(
      `SELECT ${COLUMNS} FROM passkeys WHERE credential_id = $1`,
      [credentialId],
    );
    return row;
  }

  async countForUser(userId: string): Promise<number> {
    const [row] = await this.tx.manager.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1',
      [userId],
    );
    return row.n;
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
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      'DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING id',
      [userId, id],
    );
    return count > 0;
  }

  async removeAll(userId: string): Promise<number> {
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      'DELETE FROM passkeys WHERE user_id = $1 RETURNING id',
      [userId],
    );
    return count;
  }
}
