import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { Transactions } from '../database/transactions';
import { MfaLoginService, type MfaChallenge } from '../mfa/mfa-login.service';
import { AccountLimiter } from '../rate-limit/account-limiter';
import { SessionsService } from '../sessions/sessions.service';
import { UnknownAccountService } from '../users/unknown-account.service';
import { UsersService } from '../users/users.service';
import type { LoginDto } from './dto/login.dto';
import type { TokenPair } from './dto/token-pair.dto';
import { SigninChecksService } from './lifecycle/signin-checks.service';
import { SignInService } from './sign-in.service';
import { TokensService } from './tokens.service';

/** One message for every login failure, so a response never tells whether an account exists. */
export const INVALID_CREDENTIALS = 'Invalid email or password';

type LoginFailure = 'unknown_email' | 'wrong_password' | 'inactive' | 'credentials_changed';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly accountLimit: AccountLimiter,
    private readonly unknownAccount: UnknownAccountService,
    private readonly tx: Transactions,
    private readonly mfaLogin: MfaLoginService,
    private readonly signinChecks: SigninChecksService,
    private readonly signIn: SignInService,
    private readonly stepUp: StepUp,
  ) {}

  /**
   * Every path does one bcrypt comparison (a dummy hash stands in for a missing account) and fails
   * with the same 401, so neither the body nor the timing tells the failure causes apart. The
   * attempt is counted against the account before the comparison (AccountLimiter). The session is
   * stamped with the credentials version that was checked: a password change, reset or deactivation
   * that lands meanwhile leaves this login without a session.
   */
  async login(dto: LoginDto, client: ClientContext): Promise<TokenPair | MfaChallenge> {
    await this.accountLimit.reserve(dto.email, client);
    const found = await this.users.findCredentials({ email: dto.email });
    const matches = found
      ? await this.hasher.verify(dto.password, found.passwordHash)
      : await this.unknownAccount.verify(dto.password);
    const failure: LoginFailure | undefined = !found
      ? 'unknown_email'
      : !matches
        ? 'wrong_password'
        : !found.user.isActive
          ? 'inactive'
          : undefined;
    if (failure || !found) return this.refuseLogin(found?.user.id ?? null, failure, client);
    await this.accountLimit.forgive(dto.email, client);
    await this.signinChecks.assertMaySignIn(found.user, client);
    const { user, passwordHash, credentialsVersion } = found;
    // The password is proven, so a stale hash is upgraded now, before any second factor (MFA users
    // would never be upgraded otherwise); it lands only while `credentialsVersion` holds.
    const rehashed = this.hasher.needsRehash(passwordHash);
    if (rehashed) {
      const fresh = await this.hasher.hash(dto.password);
      await this.users.rehashPassword(user.id, fresh, credentialsVersion);
    }
    // With a second factor on, the password only earns an mfaToken (src/mfa/mfa-login.service.ts).
    const challenge = await this.mfaLogin.challengeFor(found);
    if (challenge) return challenge;
    const proven = { userId: user.id, credentialsVersion, amr: ['pwd'] };
    const pair = await this.signIn.openSession(user, proven, client, { rehashed });
    return pair ?? this.refuseLogin(user.id, 'credentials_changed', client);
  }

  private async refuseLogin(
    userId: string | null,
    reason: LoginFailure | undefined,
    client: ClientContext,
  ): Promise<never> {
    await this.audit.record({
      type: 'auth.login.failure',
      userId,
      client,
      metadata: { reason },
    });
    throw new UnauthorizedException(INVALID_CREDENTIALS);
  }

  async refresh(refreshToken: string | undefined, client: ClientContext): Promise<TokenPair> {
    if (!refreshToken)
      throw new UnauthorizedException('Refresh token is required (body or cookie)');
    return this.tokens.pair(await this.sessions.rotate(refreshToken, client));
  }

  logout(user: AuthenticatedUser, client: ClientContext): Promise<void> {
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
      await this.users.bumpCredentialsVersion(user.id);
      const count = await this.sessions.revoke({ userId: user.id }, 'logout_all');
      await this.audit.record({
        type: 'auth.logout_all',
        userId: user.id,
        client,
        metadata: { sessionsRevoked: count },
      });
    });
  }

  /**
   * Ends one of the caller's sessions: the current one like a logout, any other one only as a
   * sensitive operation (StepUp), so a stolen session cannot quietly end the owner's.
   */
  async revokeSession(
    user: AuthenticatedUser,
    sessionId: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    if (sessionId.toLowerCase() !== user.sessionId.toLowerCase())
      await this.stepUp.forSensitiveOperation(user, proofs, client);
    await this.sessions.revokeOwn(user, sessionId, client);
  }
}
