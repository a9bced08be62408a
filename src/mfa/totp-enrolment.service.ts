import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { EMAIL_NOT_VERIFIED } from '../common/auth/account-messages';
import type { AuthenticatedUser } from '../common/auth/principal';
import { WRONG_CODE } from '../common/auth/account-messages';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { MfaConfig } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { MfaFactorsService } from './mfa-factors.service';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService, type TotpEnrolment } from './totp.service';

const APP_METHOD = 'an authenticator app';

/** The account holder turning the authenticator app on and off, and renewing recovery codes. */
@Injectable()
export class TotpEnrolmentService {
  private readonly issuer: string;

  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly factors: MfaFactorsService,
    private readonly stepUp: StepUp,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
    mfa: MfaConfig,
  ) {
    this.issuer = mfa.totpIssuer;
  }

  /**
   * A credential change on a verified address: then a pending secret, which changes nothing for
   * sign-in until it is confirmed.
   */
  async setup(
    caller: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<TotpEnrolment> {
    assertVerifiedAddress(caller);
    await this.stepUp.forCredentialChange(caller, proofs, client);
    return this.totp.begin(caller.id, this.issuer, caller.account.email);
  }

  /**
   * A code from the app proves it holds the secret: the factor is on, the recovery codes are
   * issued, and every other session of the account ends (MfaFactorsService.change).
   */
  async confirm(caller: AuthenticatedUser, code: string, client: ClientContext): Promise<string[]> {
    if (!(await this.totp.isPending(caller.id)))
      throw new BadRequestException('No authenticator set-up is pending: start with /totp/setup');
    const changed = await this.factors.change(caller.id, caller.sessionId, async () => {
      if (!(await this.totp.accept(caller.id, code, true))) return undefined;
      return this.recovery.issue(caller.id);
    });
    if (!changed) {
      await this.audit.record({
        type: 'auth.mfa.failure',
        userId: caller.id,
        client,
        metadata: { route: client.route, method: 'totp' },
      });
      throw new UnauthorizedException(WRONG_CODE);
    }
    await this.tx.run(async () => {
      await this.audit.record({
        type: 'auth.mfa.enabled',
        userId: caller.id,
        client,
        metadata: { method: 'totp', otherSessionsRevoked: changed.sessionsEnded },
      });
      await this.mail.notify(caller.account, 'mfa-enabled', { method: APP_METHOD });
    });
    return changed.result;
  }

  /** A credential change: the authenticator and the recovery codes are gone, other sessions end. */
  async disable(
    caller: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forCredentialChange(caller, proofs, client);
    await this.tx.run(async () => {
      const changed = await this.factors.change(caller.id, caller.sessionId, async () => {
        if (!(await this.totp.remove(caller.id))) return undefined;
        await this.recovery.removeAll(caller.id);
        return true;
      });
      if (!changed) return;
      await this.audit.record({
        type: 'auth.mfa.disabled',
        userId: caller.id,
        client,
        metadata: {
          method: 'totp',
          otherFactorsRemain: changed.enabled,
          otherSessionsRevoked: changed.sessionsEnded,
        },
      });
      // The notice says the password alone protects the account now: only true once no factor is left.
      if (changed.enabled) return;
      await this.mail.notify(caller.account, 'mfa-disabled', { method: APP_METHOD });
    });
  }

  /** A credential change: ten new recovery codes; every older one dies. */
  async regenerateRecoveryCodes(
    caller: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<string[]> {
    await this.stepUp.forCredentialChange(caller, proofs, client);
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
}

/**
 * TOTP set-up and passkey registration: 403 while the account's address is unproven. A factor
 * planted on an address its owner never proved would outlive the owner's own recovery.
 */
export function assertVerifiedAddress(caller: AuthenticatedUser): void {
  if (!caller.account.emailVerified) throw new ForbiddenException(EMAIL_NOT_VERIFIED);
}
