import { BadRequestException, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { PasswordPolicyConfig } from '../config/config-sections';
import type { ClientContext } from '../common/http/client-context';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { passwordPolicyViolations } from './password-policy';
import { INVALID_LINK } from '../common/auth/account-messages';
import { AccountTokensService } from './account-tokens.service';
import { DeferredWork } from './deferred-work';

/**
 * Recovery by email without an account oracle. `forgot` answers before it looks anything up: the
 * lookup, the quota, the token and the outbox row run afterwards (DeferredWork), so neither the
 * body nor the timing of the 202 depends on whether the address has an account, is over its mail
 * quota, or is deactivated. `reset` replaces the password, ends every session and leaves MFA as it
 * is (a reset proves control of the mailbox, not of the second factor).
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly tokens: AccountTokensService,
    private readonly users: UsersService,
    private readonly userRows: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly mail: MailService,
    private readonly quota: MailQuota,
    private readonly audit: AuditService,
    private readonly deferred: DeferredWork,
    private readonly tx: Transactions,
    private readonly policy: PasswordPolicyConfig,
  ) {}

  forgot(email: string, client: ClientContext): void {
    this.deferred.run('password reset request', () => this.mailResetLink(email, client));
  }

  async reset(token: string, newPassword: string, client: ClientContext): Promise<void> {
    // Checked before anything is spent, so a refused password leaves the link usable.
    const user = await this.users.get(await this.tokens.ownerOf('password_reset', token));
    const problems = passwordPolicyViolations(
      newPassword,
      { username: user.username, email: user.email },
      this.policy,
    );
    if (problems.length > 0)
      throw new BadRequestException(problems.map((p) => `newPassword: ${p}`));
    const hash = await this.hasher.hash(newPassword);
    await this.tx.run(async () => {
      // The one conditional update decides: of two resets racing with one link, one wins.
      const spent = await this.tokens.spend('password_reset', token);
      if (spent.userId !== user.id || !user.isActive) throw new BadRequestException(INVALID_LINK);
      // A new credentials version: every session dies, including one a racing login is opening.
      await this.userRows.replacePassword(user.id, hash);
      const revoked = await this.sessions.revoke({ userId: user.id }, 'password_reset');
      // The link reached the mailbox, so the address is proven too.
      await this.userRows.markEmailVerified(user.id);
      await this.audit.record({
        type: 'auth.password.reset',
        userId: user.id,
        client,
        metadata: { sessionsRevoked: revoked },
      });
      await this.mail.notify(user, 'password-changed', {});
    });
  }

  private async mailResetLink(email: string, client: ClientContext): Promise<void> {
    const found = await this.userRows.findCredentials({ email });
    const user = found?.user;
    // Counted for every address, known or not (an unknown one as a stranger's request), so the
    // quota itself does not tell them apart. Whether this network is the owner's is decided here,
    // after the answer, like everything else that depends on the account.
    const allowance = await this.quota.take(email, {
      client,
      owner: user && { userId: user.id, viaOwnSession: false },
    });
    const mailed = Boolean(user?.isActive && allowance.allowed);
    await this.tx.run(async () => {
      if (found && user && mailed) {
        // Bound to today's credentials: a password change or any other credential event kills it.
        const { token, validFor } = await this.tokens.issue({
          userId: user.id,
          purpose: 'password_reset',
          credentialsVersion: found.credentialsVersion,
        });
        await this.mail.enqueue({
          purpose: 'password-reset',
          to: user.email,
          data: { username: user.username, token, validFor },
        });
      }
      await this.audit.record({
        type: 'auth.password.reset_requested',
        userId: user?.id ?? null,
        client,
        metadata: {
          mailed,
          ...(mailed
            ? {}
            : { reason: !user ? 'unknown_email' : !user.isActive ? 'inactive' : 'mail_quota' }),
        },
      });
    });
  }
}
