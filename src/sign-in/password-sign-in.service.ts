import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { AccountLimiter } from '../rate-limit/account-limiter';
import { UnknownAccountService } from '../users/unknown-account.service';
import { UserRepository } from '../users/user.repository';
import type { LoginDto } from './dto/login.dto';
import { SecondStepService, type MfaChallenge } from './second-step.service';
import { SignInChecksService } from './sign-in-checks.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import { SignInService, type SignedIn } from './sign-in.service';

type SignInFailure =
  'unknown_email' | 'no_password' | 'wrong_password' | 'inactive' | 'credentials_changed';

/** The password step: POST /api/auth/login. */
@Injectable()
export class PasswordSignInService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly accountLimit: AccountLimiter,
    private readonly unknownAccount: UnknownAccountService,
    private readonly secondStep: SecondStepService,
    private readonly checks: SignInChecksService,
    private readonly signIn: SignInService,
  ) {}

  /**
   * Every path does one bcrypt comparison (a dummy hash stands in for a missing account) and fails
   * with the same 401, so neither the body nor the timing tells the failure causes apart. The
   * attempt is counted against the account before the comparison (AccountLimiter). The session is
   * stamped with the credentials version that was checked: a password change, reset or deactivation
   * that lands meanwhile leaves this sign-in without a session.
   */
  async start(dto: LoginDto, client: ClientContext): Promise<SignedIn | MfaChallenge> {
    await this.accountLimit.reserve(dto.email, client);
    const found = await this.users.findCredentials({ email: dto.email });
    // An account without a password (made by a provider sign-in) costs the same dummy comparison.
    const matches = found?.passwordHash
      ? await this.hasher.verify(dto.password, found.passwordHash)
      : await this.unknownAccount.verify(dto.password);
    const failure: SignInFailure | undefined = !found
      ? 'unknown_email'
      : !found.passwordHash
        ? 'no_password'
        : !matches
          ? 'wrong_password'
          : !found.user.isActive
            ? 'inactive'
            : undefined;
    if (failure || !found?.passwordHash)
      return this.refuse(found?.user.id ?? null, failure, client);
    await this.accountLimit.forgive(dto.email, client);
    await this.checks.assertMaySignIn(found.user, client);
    const { user, passwordHash, credentialsVersion } = found;
    // The password is proven, so a stale hash is upgraded now, before any second factor (MFA users
    // would never be upgraded otherwise); it lands only while `credentialsVersion` holds.
    const rehashed = this.hasher.needsRehash(passwordHash);
    if (rehashed) {
      const fresh = await this.hasher.hash(dto.password);
      await this.users.rehashPassword(user.id, fresh, credentialsVersion);
    }
    // With a second factor on, the password only earns an mfaToken (SecondStepService).
    const challenge = await this.secondStep.challengeFor(found);
    if (challenge) return challenge;
    const proven = { userId: user.id, credentialsVersion, amr: ['pwd'] };
    const signedIn = await this.signIn.openSession(user, proven, client, { rehashed });
    return signedIn ?? this.refuse(user.id, 'credentials_changed', client);
  }

  private async refuse(
    userId: string | null,
    reason: SignInFailure | undefined,
    client: ClientContext,
  ): Promise<never> {
    await this.audit.record({
      type: 'auth.login.failure',
      userId,
      client,
      metadata: { reason },
    });
    throw new UnauthorizedException(SIGN_IN_ERRORS.INVALID_CREDENTIALS);
  }
}
