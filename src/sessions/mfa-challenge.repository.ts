import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

/** A sign-in waiting for its second factor, as the mfaToken's row holds it. */
export interface PendingSignIn {
  userId: string;
  credentialsVersion: number;
}

/** The mfa_challenges table: the `mfaToken`s of sign-ins whose password step succeeded. */
@Injectable()
export class MfaChallengeRepository {
  constructor(private readonly tx: Transactions) {}

  async create(
    tokenHash: string,
    userId: string,
    credentialsVersion: number,
    ttlSeconds: number,
  ): Promise<void> {
    await this.tx.manager.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, credentials_version, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash, userId, credentialsVersion, ttlSeconds],
    );
    // Housekeeping on the write path: expired rows of anyone are useless.
    await this.tx.manager.query(
      `DELETE FROM mfa_challenges WHERE expires_at < now() - interval '1 hour'`,
    );
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
    const [row] = await this.tx.manager.query<
      Array<{ user_id: string; credentials_version: number }>
    >(
      `SELECT c.user_id, c.credentials_version FROM mfa_challenges c JOIN users u ON u.id = c.user_id
        WHERE c.token_hash = $1 AND c.spent_at IS NULL AND c.expires_at > now() AND c.failures < $2
          AND u.is_active AND u.credentials_version = c.credentials_version
        ${lock ? 'FOR UPDATE OF c' : ''}`,
      [tokenHash, maxFailures],
    );
    return row ? { userId: row.user_id, credentialsVersion: row.credentials_version } : undefined;
  }

  /**
   * Whether the challenge is still unspent and unexpired but died with the credentials it was
   * issued under (a credential event, or the account deactivated), as opposed to never existing,
   * being spent, expiring or running out of tries.
   */
  async diedWithCredentials(tokenHash: string): Promise<boolean> {
    const [row] = await this.tx.manager.query<Array<{ stale: boolean }>>(
      `SELECT NOT u.is_active OR u.credentials_version <> c.credentials_version AS stale
         FROM mfa_challenges c JOIN users u ON u.id = c.user_id
        WHERE c.token_hash = $1 AND c.spent_at IS NULL AND c.expires_at > now()`,
      [tokenHash],
    );
    return row?.stale ?? false;
  }

  async recordFailure(tokenHash: string): Promise<void> {
    await this.tx.manager.query(
      'UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = $1',
      [tokenHash],
    );
  }

  async spend(tokenHash: string): Promise<void> {
    await this.tx.manager.query(
      'UPDATE mfa_challenges SET spent_at = now() WHERE token_hash = $1',
      [tokenHash],
    );
  }

  async removeAllForUser(userId: string): Promise<void> {
    await this.tx.manager.query('DELETE FROM mfa_challenges WHERE user_id = $1', [userId]);
  }
}
