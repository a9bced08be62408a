import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { ClientContext } from '../common/http/client-context';
import { AccountsConfig } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MailQuota } from '../rate-limit/mail-quota';
import type { User } from '../users/user.entity';
import { UsernameReservationService } from '../users/username-reservation.service';
import { UsersService, type NewUser } from '../users/users.service';
import type { RegisterDto } from './dto/register.dto';
import { DeferredWork } from './deferred-work';
import { EmailVerificationService } from './email-verification.service';

/** What a registration answers: the new account, or only that the request was taken. */
export type RegistrationOutcome = { created: User } | { accepted: true };

/**
 * Creating accounts. With REQUIRE_VERIFIED_EMAIL off, as it always was: the new account, or a 409
 * for a taken email or username. With it on, the answer never says whether the address has an
 * account: the username is reserved (a taken one is the only 409, whatever the address) and the
 * password hashed, and then the request is answered. Only after that (DeferredWork, as a password
 * reset request) is the address looked up: a new one gets its account, audit event and
 * verification mail, a taken one an audit event and a quota-counted notice to its owner, in one
 * transaction either way. Nothing that differs between the two can shape the answer's timing —
 * not even the extra rows a new account writes, which a synchronous path showed as a 3 % gap.
 * Should that transaction fail (the database gone mid-way), the failure is logged and the
 * username stays reserved until its reservation expires.
 */
@Injectable()
export class RegistrationService {
  private readonly hidesTakenAddresses: boolean;
  /** A reservation lasts as long as the verification link of an account created with it. */
  private readonly reservationSeconds: number;

  constructor(
    private readonly users: UsersService,
    private readonly usernames: UsernameReservationService,
    private readonly verification: EmailVerificationService,
    private readonly mail: MailService,
    private readonly quota: MailQuota,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly deferred: DeferredWork,
    accounts: AccountsConfig,
  ) {
    this.hidesTakenAddresses = accounts.requireVerifiedEmail;
    this.reservationSeconds = accounts.emailVerifyTtlSeconds;
  }

  async register(dto: RegisterDto, client: ClientContext): Promise<RegistrationOutcome> {
    const input: NewUser = {
      email: dto.email,
      username: dto.username,
      password: dto.password,
      birthDate: dto.birthDate,
    };
    if (!this.hidesTakenAddresses) return { created: await this.createOpenly(input, client) };
    await this.usernames.sweepExpired();
    await this.usernames.reserve(input.username, this.reservationSeconds);
    const row = await this.users.prepareNewAccount(input);
    this.deferred.run('registration', () =>
      this.tx.run(async () => {
        const outcome = await this.users.insertUnlessEmailTaken(row);
        if ('created' in outcome) await this.welcome(outcome.created, client);
        else await this.tellOwner(outcome.existing, client);
      }),
    );
    return { accepted: true };
  }

  private createOpenly(input: NewUser, client: ClientContext): Promise<User> {
    return this.tx.run(async () => {
      const user = await this.users.create(input);
      await this.welcome(user, client);
      return user;
    });
  }

  private async welcome(user: User, client: ClientContext): Promise<void> {
    await this.audit.record({ type: 'auth.register', userId: user.id, client });
    await this.verification.sendOnRegistration(user, client);
  }

  /**
   * The counterpart of `welcome` for a taken address: the quota is counted as a verification mail
   * counts it (a stranger's request), and a deactivated owner (who can neither sign in nor reset)
   * is not mailed.
   */
  private async tellOwner(owner: User, client: ClientContext): Promise<void> {
    const allowance = await this.quota.take(owner.email, { client });
    const mailed = owner.isActive && allowance.allowed;
    if (mailed) await this.mail.notify(owner, 'registration-attempt', {});
    await this.audit.record({
      type: 'auth.register.address_taken',
      userId: owner.id,
      client,
      metadata: {
        mailed,
        ...(mailed ? {} : { reason: owner.isActive ? 'mail_quota' : 'inactive' }),
      },
    });
  }
}
