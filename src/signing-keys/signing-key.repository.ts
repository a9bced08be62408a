import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import type { RevokedKey } from './key-schedule';
import { Transactions } from '../database/transactions';
import { SigningKeyEntity } from './signing-key.entity';

/** Taken by whoever adds or revokes a key, so two instances never both decide to rotate. */
const ROTATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('signing_keys'))`;

@Injectable()
export class SigningKeyRepository {
  constructor(private readonly tx: Transactions) {}

  private get keys() {
    return this.tx.manager.getRepository(SigningKeyEntity);
  }

  /**
   * The unrevoked keys, the revoked ones' times (not their keys: they still mark when their
   * predecessor stopped signing), and the database's clock, which alone decides which key signs.
   */
  async live(): Promise<{ rows: SigningKeyEntity[]; revoked: RevokedKey[]; now: Date }> {
    const rows = await this.keys.find({
      where: { revokedAt: IsNull() },
      order: { signsFrom: 'ASC' },
    });
    const revokedRows = await this.keys.find({
      select: { signsFrom: true, revokedAt: true },
      where: { revokedAt: Not(IsNull()) },
    });
    const revoked = revokedRows.map((row) => ({
      signsFrom: row.signsFrom.getTime(),
      revokedAt: (row.revokedAt as Date).getTime(),
    }));
    // SQL: the database's clock, read beside the rows, so every instance schedules by the same time.
    const [{ now }] = await this.tx.manager.query<Array<{ now: Date }>>('SELECT now() AS now');
    return { rows, revoked, now };
  }

  /** Serialises key changes across instances; inside the caller's transaction. */
  async lock(): Promise<void> {
    await this.tx.manager.query(ROTATION_LOCK);
  }

  /** A key that starts signing `delaySeconds` from the database's now. */
  async insert(
    key: Pick<SigningKeyEntity, 'kid' | 'algorithm' | 'privateKey'>,
    delaySeconds: number,
  ): Promise<SigningKeyEntity> {
    const seconds = Math.max(0, Math.floor(delaySeconds));
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({ ...key, signsFrom: () => `now() + make_interval(secs => ${seconds})` })
      .execute();
    return this.keys.findOneByOrFail({ kid: key.kid });
  }

  async revoke(kid: string): Promise<void> {
    await this.keys.update({ kid, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
