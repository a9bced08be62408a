import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/decorators/current-user.decorator';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { sha256Hex } from '../crypto/random-token';
import { LoginFailureLimiter } from '../rate-limit/login-failure.limiter';
import { OncePerBlock } from '../rate-limit/once-per-block';
import { UsersService } from '../users/users.service';
import type { User } from '../users/user.entity';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import type { TokenPair } from './dto/token-pair.dto';
import { passwordPolicyViolations } from './password-policy';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

/** One message for every login failure, so a response never tells whether an account exists. */
export const INVALID_CREDENTIALS = 'Invalid email or password';

type LoginFailure = 'unknown_email' | 'wrong_password' | 'inactive';

@Injectable()
export class AuthService {
  private readonly blockAudits = new OncePerBlock();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly audit: AuditService,
    private readonly loginFailures: LoginFailureLimiter,
  ) {}

  register(dto: RegisterDto, client: ClientContext): Promise<User> {
    return this.db.transaction(async (manager) => {
      const user = await this.users.create(manager, {
        email: dto.email,
        username: dto.username,
        password: dto.password,
        birthDate: dto.birthDate,
      });
      await this.audit.record({ type: 'auth.register', userId: user.id, client }, manager);
      return user;
    });
  }

  /**
   * Every path does one bcrypt comparison (a dummy hash stands in for a missing account) and fails
   * with the same 401, so neither the body nor the timing tells the three failure causes apart.
   */
  async login(dto: LoginDto, client: ClientContext): Promise<TokenPair> {
    await this.throttleAccount(dto.email, client);
    const user = await this.users.findCredentials({ email: dto.email });
    const matches = user
      ? await this.hasher.verify(dto.password, user.passwordHash)
      : await this.hasher.verifyAgainstDummy(dto.password);
    const failure: LoginFailure | undefined = !user
      ? 'unknown_email'
      : !matches
        ? 'wrong_password'
        : !user.isActive
          ? 'inactive'
          : undefined;
    if (failure || !user) {
      await this.loginFailures.recordFailure(dto.email); // unknown emails count too: a block reveals nothing
      await this.audit.record({
        type: 'auth.login.failure',
        userId: user?.id ?? null,
        client,
        metadata: { reason: failure },
      });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.loginFailures.reset(dto.email);
    const rehash = this.hasher.needsRehash(user.passwordHash)
      ? await this.hasher.hash(dto.password)
      : undefined;
    const rotation = await this.db.transaction(async (manager) => {
      if (rehash) await this.users.setPasswordHash(manager, user.id, rehash);
      const opened = await this.sessions.open(manager, user.id, client);
      await this.audit.record(
        {
          type: 'auth.login.success',
          userId: user.id,
          client,
          metadata: { sessionId: opened.sessionId, rehashed: Boolean(rehash) },
        },
        manager,
      );
      return opened;
    });
    return this.tokens.pair(rotation.userId, rotation.sessionId, rotation.refreshToken);
  }

  /**
   * LOGIN_FAILURE_MAX failures per window per account, whatever the IP: a 429 before any password
   * check, audited once per block.
   */
  private async throttleAccount(email: string, client: ClientContext): Promise<void> {
    try {
      await this.loginFailures.assertNotBlocked(email);
    } catch (error) {
      if (
        error instanceof RateLimitExceededException &&
        this.blockAudits.first(sha256Hex(email), error.info.retryAfterSeconds)
      ) {
        await this.audit.record({
          type: 'security.rate_limited',
          client,
          metadata: { throttler: 'login_failures', route: 'POST /api/auth/login' },
        });
      }
      throw error;
    }
  }

  async refresh(refreshToken: string | undefined, client: ClientContext): Promise<TokenPair> {
    if (!refreshToken)
      throw new UnauthorizedException('Refresh token is required (body or cookie)');
    const rotation = await this.sessions.rotate(refreshToken, client);
    return this.tokens.pair(rotation.userId, rotation.sessionId, rotation.refreshToken);
  }

  async logout(user: AuthenticatedUser, client: ClientContext): Promise<void> {
    await this.db.transaction(async (manager) => {
      await this.sessions.revoke(manager, { userId: user.id, sessionId: user.sessionId }, 'logout');
      await this.audit.record(
        { type: 'auth.logout', userId: user.id, client, metadata: { sessionId: user.sessionId } },
        manager,
      );
    });
  }

  async logoutAll(user: AuthenticatedUser, client: ClientContext): Promise<void> {
    await this.db.transaction(async (manager) => {
      const count = await this.sessions.revoke(manager, { userId: user.id }, 'logout_all');
      await this.audit.record(
        { type: 'auth.logout_all', userId: user.id, client, metadata: { sessionsRevoked: count } },
        manager,
      );
    });
  }

  /** Needs the current password; keeps the caller's session and revokes every other one. */
  async changePassword(
    caller: AuthenticatedUser,
    dto: ChangePasswordDto,
    client: ClientContext,
  ): Promise<void> {
    const user = await this.users.findCredentials({ id: caller.id });
    if (!user || !(await this.hasher.verify(dto.currentPassword, user.passwordHash))) {
      throw new UnauthorizedException('Current password is incorrect');
    }
    const problems = passwordPolicyViolations(dto.newPassword, {
      username: user.username,
      email: user.email,
    });
    if (problems.length > 0)
      throw new BadRequestException(problems.map((p) => `newPassword: ${p}`));
    if (await this.hasher.verify(dto.newPassword, user.passwordHash)) {
      throw new BadRequestException(['newPassword must differ from the current password']);
    }
    const hash = await this.hasher.hash(dto.newPassword);
    await this.db.transaction(async (manager) => {
      await this.users.setPasswordHash(manager, user.id, hash);
      const revoked = await this.sessions.revoke(
        manager,
        { userId: user.id, exceptSessionId: caller.sessionId },
        'password_changed',
      );
      await this.audit.record(
        {
          type: 'user.password.changed',
          userId: user.id,
          client,
          metadata: { otherSessionsRevoked: revoked },
        },
        manager,
      );
    });
  }
}
