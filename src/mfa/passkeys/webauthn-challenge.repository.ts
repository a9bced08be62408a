import { Injectable } from '@nestjs/common';
import { Transactions } from '../../database/transactions';

/** What a ceremony's challenge was issued for. */
export type CeremonyPurpose = 'registration' | 'second_factor' | 'passwordless' | 'step_up';

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
    await this.tx.manager.query(
      `INSERT INTO webauthn_challenges (challenge_hash, purpose, user_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [challengeHash, purpose, userId, ttlSeconds],
    );
    await this.tx.manager.query(`DELETE FROM webauthn_challenges WHERE expires_at < now()`);
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
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `DELETE FROM webauthn_challenges
        WHERE challenge_hash = $1 AND purpose = $2 AND user_id IS NOT DISTINCT FROM $3::uuid
          AND expires_at > now()
       RETURNING challenge_hash`,
      [challengeHash, purpose, userId],
    );
    return count > 0;
  }
}
