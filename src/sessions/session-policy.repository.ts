import { Injectable } from '@nestjs/common';
import { IsNull, MoreThanOrEqual } from 'typeorm';
import type { SessionLifetime } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { SessionEntity } from './session.entity';
import { LIVE } from './session.repository';

/** A session ended to make room under MAX_SESSIONS_PER_USER. */
export interface EvictedSession {
  id: string;
}

/**
 * The `sessions` statements of the lifetime policy that span a user's sessions, or everyone's:
 * the per-user limit, a promotion's deadlines, the operator's revocation of all. Apart from
 * SessionRepository, which keeps the statements of one session and its refresh tokens.
 */
@Injectable()
export class SessionPolicyRepository {
  constructor(private readonly tx: Transactions) {}

  /**
   * Serialises the sign-ins of one user until the transaction ends, so two of them at the limit
   * cannot each count the other's session out and leave one too many.
   */
  async lockUserSessions(userId: string): Promise<void> {
    // SQL: an advisory lock is a function call, not a table's read or write. The two-key form keeps
    // it apart from the single-key audit chain lock.
    await this.tx.manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('sessions'), hashtext($1::text))`,
      [userId.toLowerCase()],
    );
  }

  /**
   * Ends the user's least recently used live sessions beyond `keep`, never `newSessionId`, with the
   * reason `evicted`; returns the ended ones. Sessions on an older credentials version are dead
   * already and do not count.
   */
  async evictBeyond(userId: string, newSessionId: string, keep: number): Promise<EvictedSession[]> {
    // SQL: ORDER BY … OFFSET in a subquery of an UPDATE, which the typed API cannot say.
    const [rows] = await this.tx.manager.query<[EvictedSession[], number]>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'evicted'
        WHERE id IN (
          SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.user_id = $1 AND s.id <> $2 AND ${LIVE}
             AND s.credentials_version = u.credentials_version
           ORDER BY s.last_used_at DESC, s.created_at DESC
          OFFSET $3)
       RETURNING id`,
      [userId, newSessionId, Math.max(keep - 1, 0)],
    );
    return rows;
  }

  /**
   * Brings the user's live sessions within an admin's lifetimes (on a promotion): the absolute end
   * at most the admin's from the sign-in, the idle end at most the admin's from now.
   */
  async clampToAdmin(userId: string, admin: SessionLifetime): Promise<void> {
    // SQL: least() of a column and an interval arithmetic, which the typed API cannot say.
    await this.tx.manager.query(
      `UPDATE sessions
          SET expires_at = least(expires_at, created_at + make_interval(secs => $2::float8)),
              idle_expires_at = least(idle_expires_at, now() + make_interval(secs => $3::float8))
        WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, admin.maxAgeSeconds, admin.idleSeconds],
    );
  }

  /**
   * Revokes every live session given an access token at or after `since` (a sign-in or a refresh
   * sets last_used_at, and each mints one); returns how many.
   */
  async revokeUsedSince(since: Date, reason: string): Promise<number> {
    const { affected } = await this.tx.manager
      .getRepository(SessionEntity)
      .update(
        { revokedAt: IsNull(), lastUsedAt: MoreThanOrEqual(since) },
        { revokedAt: () => 'now()', revokedReason: reason },
      );
    return affected ?? 0;
  }

  /** Revokes every live session of every user (the operator's `revoke-sessions --all`); returns how many. */
  async revokeEveryone(reason: string): Promise<number> {
    const { affected } = await this.tx.manager
      .getRepository(SessionEntity)
      .update({ revokedAt: IsNull() }, { revokedAt: () => 'now()', revokedReason: reason });
    return affected ?? 0;
  }
}
