import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from '../users/user.repository';
import { AccountTokensService } from './account-tokens.service';
import { ACCOUNT_ERRORS } from './account-errors';

/**
 * Moving an account to another address: asked for with the password, applied only when the link
 * mailed to the new address is used. The answer never says whether the new address is taken (its
 * owner gets a mail instead), and the old address hears about the request either way.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly stepUp: StepUp,
    private readonly users: UserRepository,
    private readonly tokens: AccountTokensService,
    private readonly sessions: SessionsService,
    private readonly mail: MailService,
    private readonly quota: MailQuota,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  async request(
    caller: AuthenticatedUser,
    newEmail: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    // A credential change: the password (and a second factor when one is on) in this request. The
    // link is bound to the credentials version they were checked under.
    const { credentialsVersion } = await this.stepUp.forCredentialChange(caller, proofs, client);
    const user = caller.account;
    if (newEmail === user.email) throw new BadRequestException([ACCOUNT_ERRORS.SAME_EMAIL]);
    // The new address is not the caller's (yet): a stranger's request, so no account can use up
    // the bucket of another account's owner by asking to move to its address.
    const allowance = await this.quota.take(newEmail, { client });
    if (!allowance.allowed)
      throw new RateLimitExceededException(ACCOUNT_ERRORS.TOO_MANY_MAILS, {
        limit: allowance.limit,
        retryAfterSeconds: allowance.retryAfterSeconds,
      });
    await this.tx.run(async () => {
      const owner = await this.users.findByEmail(newEmail);
      if (owner) {
        await this.mail.enqueue({
          purpose: 'email-taken',
          to: newEmail,
          data: { username: owner.username },
        });
      } else {
        const { token, validFor } = await this.tokens.issue({
          userId: user.id,
          purpose: 'email_change',
          newEmail,
          credentialsVersion,
        });
        await this.mail.enqueue({
          purpose: 'email-change-confirm',
          to: newEmail,
          data: { username: user.username, token, validFor },
        });
      }
      await this.mail.notify(user, 'email-change-requested', {});
      await this.audit.record({ type: 'user.email.change_requested', userId: user.id, client });
    });
  }

  /**
   * Applies the change the link stands for: only while the account is active and its credentials are
   * those the request was proven under (the token repository checks both). The address may have
   * been taken since the request:
   * the unique index decides at this moment (409, and the link stays unspent). Every session ends
   * (this request carries no session to keep), and links mailed to the old address die with it.
   */
  confirm(token: string, client: ClientContext): Promise<void> {
    return this.tx.run(async () => {
      const { userId, newEmail } = await this.tokens.spend('email_change', token);
      const changed = newEmail ? await this.users.changeEmail(userId, newEmail) : undefined;
      if (!changed) throw new ConflictException(ACCOUNT_ERRORS.EMAIL_IN_USE);
      // Reset and other email-change links die with the credentials version; verification links
      // were for the old address.
      await this.tokens.revokeLive(userId, 'verify_email');
      const revoked = await this.sessions.revoke({ userId }, 'email_changed');
      await this.audit.record({
        type: 'user.email.changed',
        userId,
        client,
        metadata: { sessionsRevoked: revoked },
      });
    });
  }
}
