import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import {
  And,
  DataSource,
  Equal,
  IsNull,
  Not,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import type { ClientContext } from '../common/http/client-context';
import type { Role } from '../common/auth/role';
import { pgPoolOf } from '../database/pg-pool';
import { Transactions } from '../database/transactions';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';

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

/** A live session as its owner lists it. */
export type SessionRow = Pick<
  SessionEntity,
  'id' | 'createdAt' | 'lastUsedAt' | 'expiresAt' | 'ip' | 'userAgent'
>;

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
    // SQL: the insert happens only while the user's credentials version is still the checked one.
    const [row] = await this.tx.manager.query<OpenedSession[]>(
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
    if (!proofs.password && !proofs.factor) return;
    await this.sessions().update(
      { id: sessionId, userId, revokedAt: IsNull() },
      {
        ...(proofs.password && { passwordProvenAt: () => 'now()' }),
        ...(proofs.factor && { factorProvenAt: () => 'now()' }),
      },
    );
  }

  /** Seconds since the session last proved anything (password or second factor); null: never. */
  async secondsSinceProof(userId: string, sessionId: string): Promise<number | null> {
    const row = await this.sessions()
      .createQueryBuilder('s')
      // Measured on the database's clock, which stamped the proofs.
      .select(
        'extract(epoch FROM now() - greatest(s.passwordProvenAt, s.factorProvenAt))::float8',
        'age',
      )
      .where({ id: sessionId, userId })
      .getRawOne<{ age: number | null }>();
    return row?.age ?? null;
  }

  /** Moves one session onto the user's current credentials version (the caller's own, on a password change). */
  async restamp(userId: string, sessionId: string): Promise<void> {
    // SQL: the version is copied from the user's row by the same statement, never read apart from it.
    await this.tx.manager.query(
      `UPDATE sessions s SET credentials_version = u.credentials_version
         FROM users u WHERE u.id = s.user_id AND s.id = $2 AND s.user_id = $1`,
      [userId, sessionId],
    );
  }

  async addRefreshToken(sessionId: string, tokenHash: string): Promise<void> {
    await this.tx.manager.getRepository(RefreshTokenEntity).insert({ tokenHash, sessionId });
  }

  /**
   * Spends an unspent refresh token of a live session of an active user, in one conditional UPDATE,
   * so two concurrent refreshes with one token can never both succeed. Marks the session used.
   */
  async spendRefreshToken(tokenHash: string): Promise<SessionOwner | undefined> {
    // SQL: one conditional UPDATE spends the token and checks session and user, so it races safely.
    // TypeORM's postgres driver answers an UPDATE with [rows, rowCount], not with the rows alone.
    const [rows] = await this.tx.manager.query<[SessionOwner[], number]>(
      `WITH spent AS (
         UPDATE refresh_tokens t SET spent_at = now()
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE t.token_hash = $1 AND t.spent_at IS NULL AND s.id = t.session_id
            AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
            AND s.credentials_version = u.credentials_version
         RETURNING s.id AS session_id, s.user_id, s.amr, ${AUTH_TIME} AS auth_time)
       UPDATE sessions SET last_used_at = now() FROM spent WHERE sessions.id = spent.session_id
       RETURNING spent.session_id AS "sessionId", spent.user_id AS "userId", spent.amr,
                 spent.auth_time AS "authTime"`,
      [tokenHash],
    );
    return rows[0];
  }

  /** The session of a refresh token that was already spent: presenting it again is reuse. */
  findBySpentToken(
    tokenHash: string,
  ): Promise<Pick<SessionOwner, 'sessionId' | 'userId'> | undefined> {
    return this.tx.manager
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .innerJoin('t.session', 's')
      .select('s.id', 'sessionId')
      .addSelect('s.userId', 'userId')
      .where({ tokenHash, spentAt: Not(IsNull()) })
      .getRawOne<Pick<SessionOwner, 'sessionId' | 'userId'>>();
  }

  /** Revokes the target's live sessions, all of them owned by `userId`; returns how many. */
  async revoke(target: RevokeTarget, reason: string): Promise<number> {
    const { userId, sessionId, exceptSessionId } = target;
    const where: FindOptionsWhere<SessionEntity> = { userId, revokedAt: IsNull() };
    if (sessionId !== undefined && exceptSessionId !== undefined)
      where.id = And(Equal(sessionId), Not(exceptSessionId));
    else if (sessionId !== undefined) where.id = sessionId;
    else if (exceptSessionId !== undefined) where.id = Not(exceptSessionId);
    const { affected } = await this.sessions().update(where, {
      revokedAt: () => 'now()',
      revokedReason: reason,
    });
    return affected ?? 0;
  }

  /** The user's live sessions on the current credentials version, newest first. */
  listLive(userId: string): Promise<SessionRow[]> {
    return this.sessions()
      .createQueryBuilder('s')
      .innerJoin('s.user', 'u', 's.credentialsVersion = u.credentialsVersion')
      .select(['s.id', 's.createdAt', 's.lastUsedAt', 's.expiresAt', 's.ip', 's.userAgent'])
      .where({ userId, revokedAt: IsNull() })
      .andWhere('s.expiresAt > now()')
      .orderBy('s.createdAt', 'DESC')
      .getMany();
  }

  /** The live sessions among `sessionIds`, each with its active user. */
  async principals(sessionIds: string[]): Promise<PrincipalRow[]> {
    const { rows } = await this.pool.query<PrincipalRow>({ ...PRINCIPALS, values: [sessionIds] });
    return rows;
  }

  private sessions(): Repository<SessionEntity> {
    return this.tx.manager.getRepository(SessionEntity);
  }
}
