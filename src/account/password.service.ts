import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { PasswordPolicyConfig } from '../config/config-sections';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { SessionsService } from '../sessions/sessions.service';
import { StepUp } from '../common/auth/step-up';
import { UserRepository } from '../users/user.repository';
import type { ChangePasswordDto } from './dto/change-password.dto';
import { passwordPolicyViolations } from './password-policy';
import { ACCOUNT_ERRORS } from './account-errors';

/** Credential changes: the password is replaced and every other session of the account ends. */
@Injectable()
export class PasswordService {
  constructor(
    private readonly stepUp: StepUp,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly mail: MailService,
    private readonly policy: PasswordPolicyConfig,
  ) {}

  /**
   * A credential change (StepUp: the current password, and a second factor when one is on); keeps
   * the caller's session and ends every other one, including one being opened by a login that
   * races this change (the credentials version moves on).
   */
  async change(
    caller: AuthenticatedUser,
    dto: ChangePasswordDto,
    client: ClientContext,
  ): Promise<void> {
    const { currentPassword: password, code, recoveryCode, passkey } = dto;
    const proofs = { password, code, recoveryCode, passkey };
    await this.stepUp.forCredentialChange(caller, proofs, client);
    const found = await this.users.findCredentials({ id: caller.id });
    if (!found) throw new NotFoundException(ACCOUNT_ERRORS.USER_NOT_FOUND);
    const { user, passwordHash } = found;
    const problems = passwordPolicyViolations(
      dto.newPassword,
      { username: user.username, email: user.email },
      this.policy,
    );
    if (problems.length > 0)
      throw new BadRequestException(problems.map((p) => `newPassword: ${p}`));
    if (passwordHash && (await this.hasher.verify(dto.newPassword, passwordHash))) {
      throw new BadRequestException([ACCOUNT_ERRORS.SAME_PASSWORD]);
    }
    const hash = await this.hasher.hash(dto.newPassword);
    await this.tx.run(async () => {
      await this.users.replacePassword(user.id, hash);
      const revoked = await this.sessions.keepOnlyCaller(
        user.id,
        caller.sessionId,
        'password_changed',
      );
      await this.audit.record({
        type: 'user.password.changed',
        userId: user.id,
        client,
        metadata: { otherSessionsRevoked: revoked },
      });
      await this.mail.notify(user, 'password-changed', {});
    });
  }
}
