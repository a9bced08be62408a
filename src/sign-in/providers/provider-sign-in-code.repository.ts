import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { insertExpiring } from '../../database/expiring-rows';
import { isUniqueViolation } from '../../database/postgres-errors';
import { Transactions } from '../../database/transactions';
import { ProviderSignInCodeEntity } from './provider-sign-in-code.entity';
import { ProviderSpentStateEntity } from './provider-spent-state.entity';

export type IssuedCode = Pick<
  ProviderSignInCodeEntity,
  'userId' | 'identityId' | 'credentialsVersion' | 'bindingHash'
>;

/** Provider sign-ins' one-time codes and spent `state`s (both by SHA-256, both short-lived). */
@Injectable()
export class ProviderSignInCodeRepository {
  constructor(private readonly tx: Transactions) {}

  async issue(codeHash: string, code: IssuedCode, ttlSeconds: number): Promise<void> {
    await insertExpiring(this.codes(), { codeHash, ...code }, ttlSeconds);
  }

  /** The unexpired code, deleted by the same statement: a second exchange finds nothing. */
  async take(codeHash: string): Promise<IssuedCode | undefined> {
    // SQL: DELETE … RETURNING, so two exchanges racing for one code cannot both get it.
    const [rows] = await this.tx.manager.query<[IssuedCode[], number]>(
      `DELETE FROM provider_sign_in_codes WHERE code_hash = $1
       RETURNING user_id AS "userId", identity_id AS "identityId",
                 credentials_version AS "credentialsVersion", binding_hash AS "bindingHash",
                 expires_at > now() AS live`,
      [codeHash],
    );
    const row = rows[0] as (IssuedCode & { live: boolean }) | undefined;
    if (!row?.live) return undefined;
    const { live: _, ...code } = row;
    return code;
  }

  /** Records a callback's `state` as used; false when it was used before. */
  async spendState(stateHash: string, ttlSeconds: number): Promise<boolean> {
    try {
      await insertExpiring(this.states(), { stateHash }, ttlSeconds);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private codes(): Repository<ProviderSignInCodeEntity> {
    return this.tx.manager.getRepository(ProviderSignInCodeEntity);
  }

  private states(): Repository<ProviderSpentStateEntity> {
    return this.tx.manager.getRepository(ProviderSpentStateEntity);
  }
}
