import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import type { User } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { AccountTokensService } from './account-tokens.service';
import { ACCOUNT_ERRORS } from './account-errors';

/** Proving that an account's address is its owner's: a link on registration and on demand. */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly tokens: AccountTokensService,
    private readonly mail: MailService,
    private readonly quota: MailQuota,
    private readonly users: UsersService,
    private readonly userRows: UserRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /**
   * Inside the registration's transaction: the link commits (or rolls back) with the account. The
   * registrant has proven nothing about the address yet, so the mail counts as a stranger's; an
   * address over that quota gets no mail, and its owner asks again from the new session (resend).
   */
  async sendOnRegistration(user: User, client: ClientContext): Promise<void> {
    if (!(await this.quota.take(user.email, { client })).allowed) return;
    await this.sendLink(user);
  }

  /**
   * A new link to the caller's address (earlier ones die); nothing to do once it is verified.
   * Asked for from the account's own session, so it counts in the owner's bucket.
   */
  async resend(caller: AuthenticatedUser, client: ClientContext): Promise<void> {
    const user = await this.users.get(caller.id);
    if (user.emailVerified) return;
    const allowance = await this.quota.take(user.email, {
      client,
      owner: { userId: user.id, viaOwnSession: true },
    });
    if (!allowance.allowed)
      throw new RateLimitExceededException(ACCOUNT_ERRORS.TOO_MANY_MAILS, {
        limit: allowance.limit,
        retryAfterSeconds: allowance.retryAfterSeconds,
      });
    await this.tx.run(() => this.sendLink(user));
  }

  /** Spends the link and marks the address verified; 400 for any link that does not work. */
  verify(token: string, client: ClientContext): Promise<void> {
    return this.tx.run(async () => {
      const { userId } = await this.tokens.spend('verify_email', token);
      const changed = await this.userRows.markEmailVerified(userId);
      await this.audit.record({
        type: 'auth.email.verified',
        userId,
        client,
        metadata: { alreadyVerified: !changed },
      });
    });
  }

  private async sendLink(user: User): Promise<void> {
    const { token, validFor } = await this.tokens.issue({
      userId: user.id,
      purpose: 'verify_email',
    });
    await this.mail.enqueue({
      purpose: 'verify-email',
      to: user.email,
      data: { username: user.username, token, validFor },
    });
  }
}
