import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { ClientContext } from '../common/http/client-context';
import type { Role } from '../common/auth/role';
import { pgPoolOf } from '../database/pg-pool';
import { Transactions } from '../database/transactions';

/** A live session joined to its active user: what the per-request check reads. */
export interface PrincipalRow {
  session_id: string;
  id: string;
  role: Role;
  email: string;
  username: string;
  is_active: boolean;
  email_verified: boolean;
  mfa_enabled: boolean;
  birth_date: string | null;
  amr: string[];
  created_at: Date;
  updated_at: Date;
}

export interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/** Which of a user's live sessions to revoke: one, all but one, or all. */
export interface RevokeTarget {
  userId: string;
  sessionId?: string;
  exceptSessionId?: string;
}

export interface SessionOwner {
  sessionId: string;
  userId: string;
  /** How the session's login was authenticated: carried into every access token it issues. */
  amr: string[];
  /** When the session last proved a factor (epoch seconds): the access tokens' `auth_time`. */
  authTime: number;
}

/** A session just opened: its id and when it was authenticated (epoch seconds). */
export interface OpenedSession {
  id: string;
  authTime: number;
}

/** Which proofs a sign-in or a step-up made; each is stamped on the session as `now()`. */
export interface Proofs {
  password: boolean;
  factor: boolean;
}

/** The session's latest proof, in epoch seconds, falling back to its sign-in for older rows. */
const AUTH_TIME = `floor(extract(epoch FROM coalesce(greatest(s.password_proven_at, s.factor_proven_at), s.created_at)))::float8`;

/**
 * A named prepared statement: parsed and planned once per pooled connection. TypeORM cannot name a
 * statement, so this one runs on the pg Pool behind it.
 */
const PRINCIPALS = {
  name: 'auth_principal',
  text: `SELECT s.id AS session_id, s.amr, u.id, u.role, u.email, u.username, u.is_active, u.email_verified,
                u.mfa_enabled, u.birth_date::text AS birth_date, u.created_at, u.updated_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
            AND s.credentials_version = u.credentials_version`,
};

/** The sessions and refresh_tokens tables: the one place either is read or written. */
@Injectable()
export class SessionRepository {
  private readonly pool: Pool;

  constructor(
    private readonly tx: Transactions,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.pool = pgPoolOf(dataSource);
  }

  /**
   * A session whose absolute end (now + `ttlSeconds`) nothing will ever extend, stamped with the
   * credentials version the login checked; none (undefined) if the user's credentials have moved on
   * since, e.g. a password change that raced the login.
   */
  async open(
    userId: string,
    credentialsVersion: number,
    amr: string[],
    proofs: Proofs,
    ttlSeconds: number,
    client: ClientContext,
  ): Promise<OpenedSession | undefined> {
    const [row] = await this.tx.manager.query<Array<{ id: string; authTime: number }>>(
      `INSERT INTO sessions (user_id, expires_at, ip, user_agent, credentials_version, amr,
                             password_proven_at, factor_proven_at)
       SELECT id, now() + make_interval(secs => $2), $3, $4, credentials_version, $6,
              CASE WHEN $7 THEN now() END, CASE WHEN $8 THEN now() END
         FROM users WHERE id = $1 AND credentials_version = $5
       RETURNING id, floor(extract(epoch FROM now()))::float8 AS "authTime"`,
      [
        userId,
        ttlSeconds,
        client.ip,
        client.userAgent,
        credentialsVersion,
        amr,
        proofs.password,
        proofs.factor,
      ],
    );
    return row;
  }

  /** Stamps a step-up's proofs on one of the user's live sessions. */
  async recordProofs(userId: string, sessionId: string, proofs: Proofs): Promise<void> {
    await this.tx.manager.query(
      `UPDATE sessions SET password_proven_at = CASE WHEN $3 THEN now() ELSE password_proven_at END,
                           factor_proven_at = CASE WHEN $4 THEN now() ELSE factor_proven_at END
        WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL`,
      [userId, sessionId, proofs.password, proofs.factor],
    );
  }

  /** Seconds since the session last proved anything (password or second factor); null: never. */
  async secondsSinceProof(userId: string, sessionId: string): Promise<number | null> {
    const [row] = await this.tx.manager.query<Array<{ age: number | null }>>(
      `SELECT extract(epoch FROM now() - greatest(password_proven_at, factor_proven_at))::float8 AS age
         FROM sessions WHERE id = $2 AND user_id = $1`,
      [userId, sessionId],
    );
    return row?.age ?? null;
  }

  /** Moves one session onto the user's current credentials version (the caller's own, on a password change). */
  async restamp(userId: string, sessionId: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE sessions s SET credentials_version = u.credentials_version
         FROM users u WHERE u.id = s.user_id AND s.id = $2 AND s.user_id = $1`,
      [userId, sessionId],
    );
  }

  async addRefreshToken(sessionId: string, tokenHash: string): Promise<void> {
    await this.tx.manager.query(
      'INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)',
      [tokenHash, sessionId],
    );
  }

  /**
   * Spends an unspent refresh token of a live session of an active user, in one conditional UPDATE,
   * so two concurrent refreshes with one token can never both succeed. Marks the session used.
   */
  async spendRefreshToken(tokenHash: string): Promise<SessionOwner | undefined> {
    // TypeORM's postgres driver answers an UPDATE with [rows, rowCount], not with the rows alone.
    const [rows] = await this.tx.manager.query<
      [Array<{ session_id: string; user_id: string; amr: string[]; auth_time: number }>, number]
    >(
      `WITH spent AS (
         UPDATE refresh_tokens t SET spent_at = now()
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE t.token_hash = $1 AND t.spent_at IS NULL AND s.id = t.session_id
            AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
            AND s.credentials_version = u.credentials_version
         RETURNING s.id AS session_id, s.user_id, s.amr, ${AUTH_TIME} AS auth_time)
       UPDATE sessions SET last_used_at = now() FROM spent WHERE sessions.id = spent.session_id
       RETURNING spent.session_id, spent.user_id, spent.amr, spent.auth_time`,
      [tokenHash],
    );
    const spent = rows[0];
    return spent
      ? {
          sessionId: spent.session_id,
          userId: spent.user_id,
          amr: spent.amr,
          authTime: spent.auth_time,
        }
      : undefined;
  }

  /** The session of a refresh token that was already spent: presenting it again is reuse. */
  async findBySpentToken(
    tokenHash: string,
  ): Promise<Pick<SessionOwner, 'sessionId' | 'userId'> | undefined> {
    const [row] = await this.tx.manager.query<Array<{ id: string; user_id: string }>>(
      `SELECT s.id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
        WHERE t.token_hash = $1 AND t.spent_at IS NOT NULL`,
      [tokenHash],
    );
    return row ? { sessionId: row.id, userId: row.user_id } : undefined;
  }

  /** Revokes the target's live sessions, all of them owned by `userId`; returns how many. */
  async revoke(target: RevokeTarget, reason: string): Promise<number> {
    const [, count] = await this.tx.manager.query<[unknown[], number]>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL
          AND ($3::uuid IS NULL OR id = $3::uuid) AND ($4::uuid IS NULL OR id <> $4::uuid)
        RETURNING id`,
      [target.userId, reason, target.sessionId ?? null, target.exceptSessionId ?? null],
    );
    return count;
  }

  listLive(userId: string): Promise<SessionRow[]> {
    return this.tx.manager.query<SessionRow[]>(
      `SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.ip, s.user_agent
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
          AND s.credentials_version = u.credentials_version
        ORDER BY s.created_at DESC`,
      [userId],
    );
  }

  /** The live sessions among `sessionIds`, each with its active user. */
  async principals(sessionIds: string[]): Promise<PrincipalRow[]> {
    const { rows } = await this.pool.query<PrincipalRow>({ ...PRINCIPALS, values: [sessionIds] });
    return rows;
  }
}
