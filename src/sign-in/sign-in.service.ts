import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import type { TokenPair } from '../auth/dto/token-pair.dto';
import { TokensService } from '../auth/tokens.service';
import { SessionsService, type Rotation } from '../sessions/sessions.service';
import type { User } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { SignInChecksService } from './sign-in-checks.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';

/** A sign-in that has been proven: whose, on which credentials version, with which methods. */
export interface ProvenSignIn {
  userId: string;
  credentialsVersion: number;
  amr: string[];
  /** The provider identity that proved the first step, if one did: the session remembers it. */
  identityId?: string | null;
}

/** What a sign-in route answers: the token pair, and how long its refresh cookie lives. */
export interface SignedIn {
  pair: TokenPair;
  cookieMaxAge: number;
}

/**
 * Where every sign-in becomes a session: a password login, the second step of a two-step login, or
 * a passwordless passkey; and where sessions continue (refresh) and end (logout). The session is
 * stamped with the credentials version that was checked, so a password change or deactivation
 * meanwhile wins.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly users: UsersService,
    private readonly userRows: UserRepository,
    private readonly checks: SignInChecksService,
    private readonly stepUp: StepUp,
  ) {}

  /** A sign-in proven by a second step or a passkey, for a user who has not been loaded yet. */
  async open(proven: ProvenSignIn, client: ClientContext): Promise<SignedIn> {
    // The rules of a password sign-in hold here too: REQUIRE_VERIFIED_EMAIL (a passwordless passkey
    // never passed the password step) and the new-device notice.
    const user = await this.users.get(proven.userId);
    await this.checks.assertMaySignIn(user, client);
    const signedIn = await this.openSession(user, proven, client);
    if (!signedIn) throw new UnauthorizedException(SIGN_IN_ERRORS.SIGN_IN_EXPIRED);
    return signedIn;
  }

  /**
   * One transaction: the session, its `auth.login.success` event and the new-device check. Undefined
   * when the credentials version moved on since it was checked (nothing is written then).
   */
  async openSession(
    user: User,
    proven: ProvenSignIn,
    client: ClientContext,
    details: { rehashed?: boolean } = {},
  ): Promise<SignedIn | undefined> {
    const opened = await this.tx.run(async () => {
      const session = await this.sessions.open(
        user.id,
        proven.credentialsVersion,
        proven.amr,
        client,
        proven.identityId ?? null,
      );
      if (!session) return undefined;
      await this.audit.record({
        type: 'auth.login.success',
        userId: user.id,
        client,
        metadata: { sessionId: session.sessionId, amr: proven.amr, ...details },
      });
      await this.checks.signedIn(user, client);
      return session;
    });
    return opened && this.signedIn(opened);
  }

  async refresh(refreshToken: string | undefined, client: ClientContext): Promise<SignedIn> {
    if (!refreshToken) throw new UnauthorizedException(SIGN_IN_ERRORS.REFRESH_TOKEN_REQUIRED);
    return this.signedIn(await this.sessions.rotate(refreshToken, client));
  }

  /** Ends the caller's session: the bearer token's, or without one the refresh cookie's. */
  logout(
    user: AuthenticatedUser | undefined,
    refreshCookie: () => string | undefined,
    client: ClientContext,
  ): Promise<void> {
    if (!user) return this.logoutByRefreshToken(refreshCookie(), client);
    return this.tx.run(async () => {
      await this.sessions.revoke({ userId: user.id, sessionId: user.sessionId }, 'logout');
      await this.audit.record({
        type: 'auth.logout',
        userId: user.id,
        client,
        metadata: { sessionId: user.sessionId },
      });
    });
  }

  private async logoutByRefreshToken(
    refreshToken: string | undefined,
    client: ClientContext,
  ): Promise<void> {
    if (!refreshToken) throw new UnauthorizedException(SIGN_IN_ERRORS.LOGOUT_CREDENTIAL_REQUIRED);
    await this.sessions.endByRefreshToken(refreshToken, client);
  }

  /**
   * A sensitive operation (StepUp): one proof, or a recent one. Every session ends, and with the
   * credentials version every pending reset or email-change link and sign-in step.
   */
  async logoutAll(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forSensitiveOperation(user, proofs, client);
    await this.tx.run(async () => {
      await this.userRows.bumpCredentialsVersion(user.id);
      const count = await this.sessions.revoke({ userId: user.id }, 'logout_all');
      await this.audit.record({
        type: 'auth.logout_all',
        userId: user.id,
        client,
        metadata: { sessionsRevoked: count },
      });
    });
  }

  private async signedIn(session: Rotation): Promise<SignedIn> {
    return {
      pair: await this.tokens.pair(session),
      cookieMaxAge: session.lifetimeSeconds,
    };
  }
}
