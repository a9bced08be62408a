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
import type { SessionLifetime } from '../config/config-sections';
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
  /** Seconds until its refresh token's earliest deadline: the refresh cookie's Max-Age. */
  lifetimeSeconds: number;
}

/** The deadlines a session and its refresh tokens get, chosen by the user's role in the database. */
export interface LifetimePolicy {
  user: SessionLifetime;
  admin: SessionLifetime;
  /** One refresh token's own lifetime (JWT_REFRESH_TTL). */
  refreshTtlSeconds: number;
}

/** A refresh spent: the session it continues and how long its successor lives. */
export interface SpentRefresh extends SessionOwner {
  lifetimeSeconds: number;
}

/**
 * The policy as statement parameters from $`from` on, each used: the idle lifetime of the role
 * `role` (an SQL expression) and a refresh token's lifetime; with `maxAge`, the absolute lifetime too.
 */
function lifetimeSql(policy: LifetimePolicy, from: number, role: string, maxAge = false) {
  const values: number[] = [];
  const param = (value: number): string => `$${from + values.push(value) - 1}::float8`;
  const byRole = (pick: (lifetime: SessionLifetime) => number): string =>
    `make_interval(secs => CASE WHEN ${role} = 'admin' THEN ${param(pick(policy.admin))} ELSE ${param(pick(policy.user))} END)`;
  const idle = byRole((lifetime) => lifetime.idleSeconds);
  const refreshTtl = `make_interval(secs => ${param(policy.refreshTtlSeconds)})`;
  const absolute = maxAge ? byRole((lifetime) => lifetime.maxAgeSeconds) : '';
  return { values, idle, refreshTtl, maxAge: absolute };
}

/** Seconds from now to the earliest of the session's two deadlines and a new refresh token's end. */
const lifetimeLeft = (expires: string, idleExpires: string, refreshTtl: string): string =>
  `floor(extract(epoch FROM least(${expires}, ${idleExpires}, now() + ${refreshTtl}) - now()))::float8`;

/** A session `s` that has passed neither its idle nor its absolute end (and was not revoked). */
export const LIVE = 's.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()';

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
          WHERE s.id = ANY($1::uuid[]) AND ${LIVE} AND u.is_active
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
   * A session whose absolute end nothing will ever extend and whose idle end each refresh moves,
   * both by the user's role as the database has it, stamped with the credentials version the login
   * checked; none (undefined) if the user's credentials have moved on since, e.g. a password change
   * that raced the login.
   */
  async open(
    userId: string,
    credentialsVersion: number,
    amr: string[],
    proofs: Proofs,
    policy: LifetimePolicy,
    client: ClientContext,
    identityId: string | null,
  ): Promise<OpenedSession | undefined> {
    const life = lifetimeSql(policy, 8, 'role', true);
    // SQL: the insert happens only while the user's credentials version is still the checked one.
    const [row] = await this.tx.manager.query<OpenedSession[]>(
      `INSERT INTO sessions (user_id, expires_at, idle_expires_at, ip, user_agent, credentials_version,
                             amr, password_proven_at, factor_proven_at, identity_id)
       SELECT id, now() + ${life.maxAge}, now() + ${life.idle}, $2, $3, credentials_version, $5,
              CASE WHEN $6 THEN now() END, CASE WHEN $7 THEN now() END, $${8 + life.values.length}::uuid
         FROM users WHERE id = $1 AND credentials_version = $4
       RETURNING id, floor(extract(epoch FROM now()))::float8 AS "authTime",
                 ${lifetimeLeft('expires_at', 'idle_expires_at', life.refreshTtl)} AS "lifetimeSeconds"`,
      [
        userId,
        client.ip,
        client.userAgent,
        credentialsVersion,
        amr,
        proofs.password,
        proofs.factor,
        ...life.values,
        identityId,
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

  /**
   * Seconds since the session last proved anything (password or second factor), or with `first`
   * only a first factor (the password, or a provider sign-in); null: never.
   */
  async secondsSinceProof(
    userId: string,
    sessionId: string,
    first = false,
  ): Promise<number | null> {
    const since = first ? 's.passwordProvenAt' : 'greatest(s.passwordProvenAt, s.factorProvenAt)';
    const row = await this.sessions()
      .createQueryBuilder('s')
      // Measured on the database's clock, which stamped the proofs.
      .select(`extract(epoch FROM now() - ${since})::float8`, 'age')
      .where({ id: sessionId, userId })
      .getRawOne<{ age: number | null }>();
    return row?.age ?? null;
  }

  async openedByIdentity(sessionId: string, identityId: string): Promise<boolean> {
    return this.sessions().existsBy({ id: sessionId, identityId });
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
   * Spends an unspent, unexpired refresh token of a live session of an active user, in one
   * conditional UPDATE, so two concurrent refreshes with one token can never both succeed. Marks the
   * session used and moves its idle end (by the user's role now); its absolute end stays.
   */
  async spendRefreshToken(
    tokenHash: string,
    policy: LifetimePolicy,
  ): Promise<SpentRefresh | undefined> {
    const life = lifetimeSql(policy, 2, 'spent.role');
    // SQL: one conditional UPDATE spends the token and checks session and user, so it races safely.
    // TypeORM's postgres driver answers an UPDATE with [rows, rowCount], not with the rows alone.
    const [rows] = await this.tx.manager.query<[SpentRefresh[], number]>(
      `WITH spent AS (
         UPDATE refresh_tokens t SET spent_at = now()
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE t.token_hash = $1 AND t.spent_at IS NULL AND s.id = t.session_id
            AND t.created_at > now() - ${life.refreshTtl}
            AND ${LIVE} AND u.is_active AND s.credentials_version = u.credentials_version
         RETURNING s.id AS session_id, s.user_id, s.amr, u.role, ${AUTH_TIME} AS auth_time)
       UPDATE sessions SET last_used_at = now(), idle_expires_at = now() + ${life.idle}
         FROM spent WHERE sessions.id = spent.session_id
       RETURNING spent.session_id AS "sessionId", spent.user_id AS "userId", spent.amr,
                 spent.auth_time AS "authTime",
                 ${lifetimeLeft('sessions.expires_at', 'sessions.idle_expires_at', life.refreshTtl)} AS "lifetimeSeconds"`,
      [tokenHash, ...life.values],
    );
    return rows[0];
  }

  /**
   * Revokes the live session that an unspent, unexpired refresh token belongs to (a logout by the
   * refresh cookie alone), in one statement; undefined when the token continues no live session.
   */
  async revokeByRefreshToken(
    tokenHash: string,
    refreshTtlSeconds: number,
  ): Promise<Pick<SessionOwner, 'sessionId' | 'userId'> | undefined> {
    // SQL: the token is found and its session revoked by one statement, so a concurrent refresh
    // either spends the token first (this finds nothing) or meets a revoked session.
    const [rows] = await this.tx.manager.query<
      [Pick<SessionOwner, 'sessionId' | 'userId'>[], number]
    >(
      `UPDATE sessions s SET revoked_at = now(), revoked_reason = 'logout'
         FROM refresh_tokens t
        WHERE t.token_hash = $1 AND t.spent_at IS NULL AND s.id = t.session_id
          AND t.created_at > now() - make_interval(secs => $2::float8) AND ${LIVE}
       RETURNING s.id AS "sessionId", s.user_id AS "userId"`,
      [tokenHash, refreshTtlSeconds],
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
      .andWhere('s.expiresAt > now() AND s.idleExpiresAt > now()')
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
