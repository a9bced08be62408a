import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { ClientContext } from '../common/http/client-context';
import { Env } from '../config/env.schema';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { CredentialsService } from '../users/credentials.service';
import { MfaFactorsService } from './mfa-factors.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { SecondFactorService } from './second-factor.service';
import { TotpService, type TotpEnrolment } from './totp.service';

export const WRONG_CODE = 'The code is invalid or was already used';
const APP_METHOD = 'an authenticator app';

/** The account holder turning the authenticator app on and off, and renewing recovery codes. */
@Injectable()
export class TotpEnrolmentService {
  private readonly issuer: string;

  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly factors: MfaFactorsService,
    private readonly secondFactor: SecondFactorService,
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
    env: Env,
  ) {
    this.issuer = new URL(env.PUBLIC_APP_URL).hostname;
  }

  /** The password again, then a pending secret: nothing changes for login until it is confirmed. */
  async setup(
    caller: AuthenticatedUser,
    password: string,
    client: ClientContext,
  ): Promise<TotpEnrolment> {
    await this.credentials.confirmPassword(caller.id, password, client);
    return this.totp.begin(caller.id, this.issuer, caller.account.email);
  }

  /** A code from the app proves it holds the secret: the factor is on, and the recovery codes are issued. */
  async confirm(caller: AuthenticatedUser, code: string, client: ClientContext): Promise<string[]> {
    if (!(await this.totp.isPending(caller.id)))
      throw new BadRequestException('No authenticator set-up is pending: start with /totp/setup');
    const outcome = await this.tx.run(async () => {
      if (!(await this.totp.accept(caller.id, code, true))) return undefined;
      const codes = await this.recovery.issue(caller.id);
      await this.factors.refreshFlag(caller.id);
      await this.audit.record({
        type: 'auth.mfa.enabled',
        userId: caller.id,
        client,
        metadata: { method: 'totp' },
      });
      await this.mail.notify(caller.account, 'mfa-enabled', { method: APP_METHOD });
      return codes;
    });
    if (!outcome) {
      await this.audit.record({
        type: 'auth.mfa.failure',
        userId: caller.id,
        client,
        metadata: { route: client.route, method: 'totp' },
      });
      throw new UnauthorizedException(WRONG_CODE);
    }
    return outcome;
  }

  /** Password and a current code: the authenticator and the recovery codes are gone. */
  async disable(
    caller: AuthenticatedUser,
    password: string,
    code: string,
    client: ClientContext,
  ): Promise<void> {
    await this.credentials.confirmPassword(caller.id, password, client);
    await this.requireCode(caller, code, client);
    await this.tx.run(async () => {
      const removed = await this.totp.remove(caller.id);
      await this.recovery.removeAll(caller.id);
      const stillOn = await this.factors.refreshFlag(caller.id);
      if (!removed) return;
      await this.audit.record({
        type: 'auth.mfa.disabled',
        userId: caller.id,
        client,
        metadata: { method: 'totp', otherFactorsRemain: stillOn },
      });
      // The notice says the password alone protects the account now: only true once no factor is left.
      if (stillOn) return;
      await this.mail.notify(caller.account, 'mfa-disabled', { method: APP_METHOD });
    });
  }

  /** Password and a current code: ten new recovery codes; every older one dies. */
  async regenerateRecoveryCodes(
    caller: AuthenticatedUser,
    password: string,
    code: string,
    client: ClientContext,
  ): Promise<string[]> {
    await this.credentials.confirmPassword(caller.id, password, client);
    await this.requireCode(caller, code, client);
    return this.tx.run(async () => {
      const codes = await this.recovery.issue(caller.id);
      await this.audit.record({
        type: 'auth.mfa.recovery_regenerated',
        userId: caller.id,
        client,
      });
      return codes;
    });
  }

  private async requireCode(
    caller: AuthenticatedUser,
    code: string,
    client: ClientContext,
  ): Promise<void> {
    const owner = { id: caller.id, email: caller.account.email };
    if (!(await this.secondFactor.check(owner, { code }, client)))
      throw new UnauthorizedException(WRONG_CODE);
  }
}
