import { Injectable } from '@nestjs/common';
import { Raw, type Repository } from 'typeorm';
import { insertExpiring } from '../database/expiring-rows';
import { Transactions } from '../database/transactions';
import { MfaChallengeEntity } from './mfa-challenge.entity';

/** A sign-in waiting for its second factor, as the mfaToken's row holds it. */
export type PendingSignIn = Pick<
  MfaChallengeEntity,
  'userId' | 'credentialsVersion' | 'firstFactor' | 'identityId'
>;

/** How the first step was proven: the password, or a provider identity. */
export type FirstStep = Pick<MfaChallengeEntity, 'firstFactor' | 'identityId'>;

/** The mfa_challenges table: the `mfaToken`s of sign-ins whose password step succeeded. */
@Injectable()
export class MfaChallengeRepository {
  constructor(private readonly tx: Transactions) {}

  async create(
    tokenHash: string,
    userId: string,
    credentialsVersion: number,
    ttlSeconds: number,
    firstStep: FirstStep,
  ): Promise<void> {
    await insertExpiring(
      this.challenges(),
      { tokenHash, userId, credentialsVersion, ...firstStep },
      ttlSeconds,
    );
    // Housekeeping on the write path: expired rows of anyone are useless.
    await this.challenges().delete({ expiresAt: Raw((at) => `${at} < now() - interval '1 hour'`) });
  }

  /**
   * The live challenge (unspent, unexpired, fewer than `maxFailures` failures, of an active account
   * whose credentials version is still the one its password step checked). A password change, a
   * factor added or removed, or any other credential event therefore kills pending sign-ins.
   * `lock`: held until the caller's transaction ends, so two verifications of one token serialise.
   */
  async findLive(
    tokenHash: string,
    maxFailures: number,
    { lock }: { lock: boolean },
  ): Promise<PendingSignIn | undefined> {
    const query = this.challenges()
      .createQueryBuilder('c')
      .innerJoin('c.user', 'u', 'u.isActive AND u.credentialsVersion = c.credentialsVersion')
      .select(['c.tokenHash', 'c.userId', 'c.credentialsVersion', 'c.firstFactor', 'c.identityId'])
      .where('c.tokenHash = :tokenHash', { tokenHash })
      .andWhere('c.spentAt IS NULL AND c.expiresAt > now() AND c.failures < :maxFailures', {
        maxFailures,
      });
    if (lock) query.setLock('pessimistic_write', undefined, ['c']);
    const row = await query.getOne();
    if (!row) return undefined;
    const { userId, credentialsVersion, firstFactor, identityId } = row;
    return { userId, credentialsVersion, firstFactor, identityId };
  }

  /**
   * Whether the challenge is still unspent and unexpired but died with the credentials it was
   * issued under (a credential event, or the account deactivated), as opposed to never existing,
   * being spent, expiring or running out of tries.
   */
  async diedWithCredentials(tokenHash: string): Promise<boolean> {
    const row = await this.challenges()
      .createQueryBuilder('c')
      .innerJoin('c.user', 'u')
      .select('NOT u.isActive OR u.credentialsVersion <> c.credentialsVersion', 'stale')
      .where('c.tokenHash = :tokenHash', { tokenHash })
      .andWhere('c.spentAt IS NULL AND c.expiresAt > now()')
      .getRawOne<{ stale: boolean }>();
    return row?.stale ?? false;
  }

  async recordFailure(tokenHash: string): Promise<void> {
    await this.challenges().update({ tokenHash }, { failures: () => 'failures + 1' });
  }

  async spend(tokenHash: string): Promise<void> {
    await this.challenges().update({ tokenHash }, { spentAt: () => 'now()' });
  }

  async removeAllForUser(userId: string): Promise<void> {
    await this.challenges().delete({ userId });
  }

  private challenges(): Repository<MfaChallengeEntity> {
    return this.tx.manager.getRepository(MfaChallengeEntity);
  }
}
