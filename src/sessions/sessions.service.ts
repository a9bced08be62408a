import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AMR, hasPossessionFactor } from '../common/auth/authentication-methods';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { ClientContext } from '../common/http/client-context';
import { SessionsConfig, TokensConfig } from '../config/config-sections';
import { sha256Hex } from '../crypto/digest';
import { generateOpaqueToken } from '../crypto/random';
import { Transactions } from '../database/transactions';
import { SessionResponse, toSessionResponse } from './dto/session-response.dto';
import { SessionCheckBatcher } from './session-check.batcher';
import { SessionPolicyRepository } from './session-policy.repository';
import {
  SessionRepository,
  type LifetimePolicy,
  type PrincipalRow,
  type Proofs,
  type RevokeTarget,
} from './session.repository';

export const INVALID_REFRESH = 'Refresh token is invalid or expired';

/** A session's id and the refresh token that continues it (shown once, stored only as SHA-256). */
export interface Rotation {
  userId: string;
  sessionId: string;
  refreshToken: string;
  /** How the session's login was authenticated (RFC 8176): the access tokens' `amr` claim. */
  amr: string[];
  /** When the session last proved a factor (epoch seconds): the access tokens' `auth_time`. */
  authTime: number;
  /**
   * Seconds until the refresh token's earliest deadline: its own JWT_REFRESH_TTL, the session's
   * idle end or its absolute end. The refresh cookie's Max-Age.
   */
  lifetimeSeconds: number;
}

/** Why sessions end: recorded on the row (`revoked_reason`). */
export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'revoked_by_user'
  | 'password_changed'
  | 'password_reset'
  | 'email_changed'
  | 'deactivated'
  | 'refresh_token_reuse'
  | 'mfa_reset'
  | 'factor_changed'
  | 'identity_linked'
  | 'identity_unlinked'
  | 'revoked_by_admin'
  | 'revoked_by_operator'
  | 'evicted';

/**
 * Sessions: opening one per login, rotating its refresh token, the per-request check, revocation.
 * Below users and auth, so that every path that ends sessions (logout, password change,
 * deactivation, reuse) goes through `revoke`.
 */
@Injectable()
export class SessionsService {
  private readonly policy: LifetimePolicy;
  private readonly maxPerUser: number;
  private readonly checks: SessionCheckBatcher<PrincipalRow>;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly limits: SessionPolicyRepository,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    tokens: TokensConfig,
    config: SessionsConfig,
  ) {
    this.policy = {
      user: config.user,
      admin: config.admin,
      refreshTtlSeconds: tokens.refreshTtlSeconds,
    };
    this.maxPerUser = config.maxPerUser;
    this.checks = new SessionCheckBatcher(async (ids) => {
      const rows = await this.sessions.principals(ids);
      return new Map(rows.map((row) => [row.session_id, row]));
    });
  }

  /**
   * Opens a session (inside the caller's transaction, once every factor is proven) whose absolute
   * end no refresh extends, for the credentials version the caller checked; undefined when that
   * version is no longer current. Past MAX_SESSIONS_PER_USER the least recently used one ends.
   */
  async open(
    userId: string,
    credentialsVersion: number,
    amr: string[],
    client: ClientContext,
    identityId: string | null = null,
  ): Promise<Rotation | undefined> {
    // The sign-in's methods say what it proved: a first factor (the password, or a provider sign-in
    // for an account that may have no password), and/or a second factor.
    const proofs = {
      password: amr.includes(AMR.password) || amr.includes(AMR.federated),
      factor: hasPossessionFactor(amr),
    };
    await this.limits.lockUserSessions(userId);
    const opened = await this.sessions.open(
      userId,
      credentialsVersion,
      amr,
      proofs,
      this.policy,
      client,
      identityId,
    );
    if (!opened) return undefined;
    const evicted = await this.limits.evictBeyond(userId, opened.id, this.maxPerUser);
    for (const { id } of evicted)
      await this.audit.record({
        type: 'auth.session.evicted',
        userId,
        client,
        metadata: { sessionId: id, bySessionId: opened.id },
      });
    const refreshToken = await this.issueRefreshToken(opened.id);
    return {
      userId,
      sessionId: opened.id,
      amr,
      authTime: opened.authTime,
      lifetimeSeconds: opened.lifetimeSeconds,
      refreshToken,
    };
  }

  /** A step-up's proofs, stamped on the caller's session. */
  recordProofs(user: AuthenticatedUser, proofs: Proofs): Promise<void> {
    return this.sessions.recordProofs(user.id, user.sessionId, proofs);
  }

  /** Seconds since the caller's session last proved a factor; null when it never did. */
  secondsSinceProof(user: AuthenticatedUser): Promise<number | null> {
    return this.sessions.secondsSinceProof(user.id, user.sessionId);
  }

  /** Whether the session was opened by a sign-in with this provider identity. */
  openedByIdentity(sessionId: string, identityId: string): Promise<boolean> {
    return this.sessions.openedByIdentity(sessionId, identityId);
  }

  /** Seconds since the caller's session proved a first factor (password or provider sign-in). */
  secondsSinceFirstFactor(user: AuthenticatedUser): Promise<number | null> {
    return this.sessions.secondsSinceProof(user.id, user.sessionId, true);
  }

  /**
   * After the user's credentials changed, in the same transaction: the caller's session moves to the
   * new version and lives on; every other one is revoked (and no longer matches the version anyway).
   */
  async keepOnlyCaller(
    userId: string,
    callerSessionId: string,
    reason: RevokeReason,
  ): Promise<number> {
    await this.sessions.restamp(userId, callerSessionId);
    return this.revoke({ userId, exceptSessionId: callerSessionId }, reason);
  }

  /**
   * Spends `presented` and issues its successor. A token that was already spent is reuse: someone
   * holds a copy, so the whole session dies (its newest refresh token and its access tokens).
   */
  async rotate(presented: string, client: ClientContext): Promise<Rotation> {
    const hash = sha256Hex(presented);
    const rotated = await this.tx.run(async () => {
      const spent = await this.sessions.spendRefreshToken(hash, this.policy);
      if (!spent) return undefined;
      const refreshToken = await this.issueRefreshToken(spent.sessionId);
      await this.audit.record({
        type: 'auth.refresh',
        userId: spent.userId,
        client,
        metadata: { sessionId: spent.sessionId },
      });
      return { ...spent, refreshToken };
    });
    if (rotated) return rotated;
    await this.revokeOnReuse(hash, client);
    throw new UnauthorizedException(INVALID_REFRESH);
  }

  /**
   * A logout by the refresh cookie alone: the session `presented` continues ends. A spent token is
   * reuse, as on refresh (the session dies all the same); an unknown one is a 401.
   */
  async endByRefreshToken(presented: string, client: ClientContext): Promise<void> {
    const hash = sha256Hex(presented);
    const ended = await this.tx.run(async () => {
      const owner = await this.sessions.revokeByRefreshToken(hash, this.policy.refreshTtlSeconds);
      if (!owner) return false;
      await this.audit.record({
        type: 'auth.logout',
        userId: owner.userId,
        client,
        metadata: { sessionId: owner.sessionId, signedOutWith: 'refresh_cookie' },
      });
      return true;
    });
    if (ended) return;
    await this.revokeOnReuse(hash, client);
    throw new UnauthorizedException(INVALID_REFRESH);
  }

  /**
   * The per-request check: the live session joined to its active user, returning the account too so
   * handlers such as GET /users/me need no second query. Checks arriving together share one read.
   */
  async authenticate(sessionId: string, userId: string): Promise<AuthenticatedUser | undefined> {
    const row = await this.checks.check(sessionId);
    if (!row || row.id !== userId) return undefined;
    return {
      id: row.id,
      role: row.role,
      sessionId,
      amr: row.amr,
      account: {
        id: row.id,
        email: row.email,
        username: row.username,
        role: row.role,
        isActive: row.is_active,
        emailVerified: row.email_verified,
        mfaEnabled: row.mfa_enabled,
        birthDate: row.birth_date,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    };
  }

  async list(user: AuthenticatedUser): Promise<SessionResponse[]> {
    const rows = await this.sessions.listLive(user.id);
    return rows.map((row) => toSessionResponse(row, user.sessionId));
  }

  /** Revokes sessions of one user (inside the caller's transaction, if any); returns how many. */
  revoke(target: RevokeTarget, reason: RevokeReason): Promise<number> {
    return this.sessions.revoke(target, reason);
  }

  /** On a promotion to admin (in the caller's transaction): the user's sessions get an admin's deadlines. */
  applyAdminLifetimes(userId: string): Promise<void> {
    return this.limits.clampToAdmin(userId, this.policy.admin);
  }

  /** Ends every session of every user (the operator's `revoke-sessions --all`); returns how many. */
  revokeEveryone(): Promise<number> {
    return this.limits.revokeEveryone('revoked_by_operator');
  }

  /** Ends every session that has held an access token signed at or after `since` (a compromised key's start). */
  revokeTokenHoldersSince(since: Date): Promise<number> {
    return this.limits.revokeUsedSince(since, 'signing_key_compromised');
  }

  /** Revokes one of the caller's own sessions; anyone else's id is indistinguishable from none: 404. */
  revokeOwn(user: AuthenticatedUser, sessionId: string, client: ClientContext): Promise<void> {
    return this.tx.run(async () => {
      const revoked = await this.revoke({ userId: user.id, sessionId }, 'revoked_by_user');
      if (revoked === 0) throw new NotFoundException('Session not found');
      await this.audit.record({
        type: 'auth.session.revoked',
        userId: user.id,
        client,
        metadata: { sessionId },
      });
    });
  }

  private async issueRefreshToken(sessionId: string): Promise<string> {
    const token = generateOpaqueToken();
    await this.sessions.addRefreshToken(sessionId, sha256Hex(token));
    return token;
  }

  private revokeOnReuse(hash: string, client: ClientContext): Promise<void> {
    return this.tx.run(async () => {
      const owner = await this.sessions.findBySpentToken(hash);
      if (!owner) return; // never issued, or its session is gone: nothing to protect
      const revoked = await this.revoke(
        { userId: owner.userId, sessionId: owner.sessionId },
        'refresh_token_reuse',
      );
      await this.audit.record({
        type: 'auth.refresh.reuse_detected',
        userId: owner.userId,
        client,
        metadata: { sessionId: owner.sessionId, sessionRevoked: revoked > 0 },
      });
    });
  }
}
