import { Injectable } from '@nestjs/common';
import { IsNull, Raw, type Repository } from 'typeorm';
import { insertExpiring } from '../../database/expiring-rows';
import { Transactions } from '../../database/transactions';
import { WebauthnChallengeEntity } from './webauthn-challenge.entity';

/** What a ceremony's challenge was issued for. */
export type CeremonyPurpose = WebauthnChallengeEntity['purpose'];

/** The webauthn_challenges table: SHA-256 of each challenge, until used once or expired. */
@Injectable()
export class WebauthnChallengeRepository {
  constructor(private readonly tx: Transactions) {}

  async create(
    challengeHash: string,
    purpose: CeremonyPurpose,
    userId: string | null,
    ttlSeconds: number,
  ): Promise<void> {
    await insertExpiring(this.challenges(), { challengeHash, purpose, userId }, ttlSeconds);
    await this.challenges().delete({ expiresAt: Raw((at) => `${at} < now()`) });
  }

  /**
   * Spends a live challenge issued for `purpose` (and `userId`; none for passwordless) in one
   * DELETE: of two responses to one challenge, one at most gets true.
   */
  async consume(
    challengeHash: string,
    purpose: CeremonyPurpose,
    userId: string | null,
  ): Promise<boolean> {
    const { affected } = await this.challenges().delete({
      challengeHash,
      purpose,
      userId: userId ?? IsNull(),
      expiresAt: Raw((at) => `${at} > now()`),
    });
    return (affected ?? 0) > 0;
  }

  private challenges(): Repository<WebauthnChallengeEntity> {
    return this.tx.manager.getRepository(WebauthnChallengeEntity);
  }
}
