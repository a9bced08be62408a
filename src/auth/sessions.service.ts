import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/decorators/current-user.decorator';
import type { ClientContext } from '../common/http/client-context';
import { generateOpaqueToken, sha256Hex } from '../crypto/random-token';
import { SessionResponse } from './dto/session-response.dto';
import { SessionCheckBatcher } from './session-check.batcher';
import { TokensService } from './tokens.service';

export const INVALID_REFRESH = 'Refresh token is invalid or expired';

export interface Rotation {
  userId: string;
  sessionId: string;
  refreshToken: string;
}

const AUTHENTICATE = {
  name: 'auth_principal',
  text: `SELECT s.id AS session_id, u.id, u.role, u.email, u.username, u.is_active, u.birth_date::text AS birth_date,
                u.created_at, u.updated_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active`,
};

interface PrincipalRow {
  session_id: string;
  id: string;
  role: 'user' | 'admin';
  email: string;
  username: string;
  is_active: boolean;
  birth_date: string | null;
  created_at: Date;
  updated_at: Date;
}

interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/**
 * Sessions and their refresh tokens, in explicit SQL: rotation must be one conditional UPDATE so
 * two concurrent refreshes with the same token can never both succeed.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
  ) {}

  /** Opens a session whose absolute end (login + JWT_REFRESH_TTL) no refresh will ever extend. */
  async open(manager: EntityManager, userId: string, client: ClientContext): Promise<Rotation> {
    const [session] = await manager.query<Array<{ id: string }>>(
      `INSERT INTO sessions (user_id, expires_at, ip, user_agent)
       VALUES ($1, now() + make_interval(secs => $2), $3, $4) RETURNING id`,
      [userId, this.tokens.refreshTtlSeconds, client.ip, client.userAgent],
    );
    const refreshToken = await this.issueRefreshToken(manager, session.id);
    return { userId, sessionId: session.id, refreshToken };
  }

  /**
   * Spends `presented` and issues its successor. A token that was already spent is reuse: someone
   * holds a copy, so the whole session dies (its newest refresh token and its access tokens).
   */
  async rotate(presented: string, client: ClientContext): Promise<Rotation> {
    const hash = sha256Hex(presented);
    const rotated = await this.db.transaction(async (manager) => {
      // TypeORM's postgres driver answers an UPDATE with [rows, rowCount], not with the rows alone.
      const [rows] = await manager.query<[Array<{ session_id: string; user_id: string }>, number]>(
        `UPDATE refresh_tokens t SET spent_at = now()
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE t.token_hash = $1 AND t.spent_at IS NULL AND s.id = t.session_id
            AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
        RETURNING s.id AS session_id, s.user_id`,
        [hash],
      );
      const spent = rows[0];
      if (!spent) return undefined;
      await manager.query('UPDATE sessions SET last_used_at = now() WHERE id = $1', [
        spent.session_id,
      ]);
      const refreshToken = await this.issueRefreshToken(manager, spent.session_id);
      await this.audit.record(
        {
          type: 'auth.refresh',
          userId: spent.user_id,
          client,
          metadata: { sessionId: spent.session_id },
        },
        manager,
      );
      return { userId: spent.user_id, sessionId: spent.session_id, refreshToken };
    });
    if (rotated) return rotated;
    await this.revokeOnReuse(hash, client);
    throw new UnauthorizedException(INVALID_REFRESH);
  }

  /**
   * The per-request check: an indexed read joining the live session to its active user, returning
   * the account too so handlers such as GET /users/me need no second query. Checks arriving
   * together share one prepared statement execution (SessionCheckBatcher).
   */
  async authenticate(sessionId: string, userId: string): Promise<AuthenticatedUser | undefined> {
    const row = await this.checks.check(sessionId);
    if (!row || row.id !== userId) return undefined;
    return {
      id: row.id,
      role: row.role,
      sessionId,
      account: {
        id: row.id,
        email: row.email,
        username: row.username,
        role: row.role,
        isActive: row.is_active,
        birthDate: row.birth_date,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    };
  }

  private readonly checks = new SessionCheckBatcher<PrincipalRow>(async (sessionIds) => {
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    const { rows } = await pool.query<PrincipalRow>({ ...AUTHENTICATE, values: [sessionIds] });
    return new Map(rows.map((row) => [row.session_id, row]));
  });

  async list(user: AuthenticatedUser): Promise<SessionResponse[]> {
    const rows = await this.db.query<SessionRow[]>(
      `SELECT id, created_at, last_used_at, expires_at, ip, user_agent FROM sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC`,
      [user.id],
    );
    return rows.map((row) => toSessionResponse(row, user.sessionId));
  }

  /** Revokes one of the caller's own sessions; anyone else's id is indistinguishable from none: 404. */
  async revokeOwn(
    user: AuthenticatedUser,
    sessionId: string,
    client: ClientContext,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const revoked = await this.revoke(manager, { userId: user.id, sessionId }, 'revoked_by_user');
      if (revoked === 0) throw new NotFoundException('Session not found');
      await this.audit.record(
        { type: 'auth.session.revoked', userId: user.id, client, metadata: { sessionId } },
        manager,
      );
    });
  }

  /** Revokes sessions of `userId`: one (`sessionId`), or all but `exceptSessionId`, or all. */
  async revoke(
    manager: EntityManager,
    target: { userId: string; sessionId?: string; exceptSessionId?: string },
    reason: string,
  ): Promise<number> {
    const result = await manager.query<[unknown[], number]>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL
          AND ($3::uuid IS NULL OR id = $3::uuid) AND ($4::uuid IS NULL OR id <> $4::uuid)
        RETURNING id`,
      [target.userId, reason, target.sessionId ?? null, target.exceptSessionId ?? null],
    );
    return result[1];
  }

  private async issueRefreshToken(manager: EntityManager, sessionId: string): Promise<string> {
    const token = generateOpaqueToken();
    await manager.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [
      sha256Hex(token),
      sessionId,
    ]);
    return token;
  }

  private async revokeOnReuse(hash: string, client: ClientContext): Promise<void> {
    await this.db.transaction(async (manager) => {
      const [known] = await manager.query<Array<{ id: string; user_id: string }>>(
        `SELECT s.id, s.user_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
          WHERE t.token_hash = $1 AND t.spent_at IS NOT NULL`,
        [hash],
      );
      if (!known) return; // never issued, or its session is gone: nothing to protect
      const revoked = await this.revoke(
        manager,
        { userId: known.user_id, sessionId: known.id },
        'refresh_token_reuse',
      );
      await this.audit.record(
        {
          type: 'auth.refresh.reuse_detected',
          userId: known.user_id,
          client,
          metadata: { sessionId: known.id, sessionRevoked: revoked > 0 },
        },
        manager,
      );
    });
  }
}

function toSessionResponse(row: SessionRow, currentSessionId: string): SessionResponse {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    ip: row.ip,
    userAgent: row.user_agent,
    current: row.id === currentSessionId,
  };
}
