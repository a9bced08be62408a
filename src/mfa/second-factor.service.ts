import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AMR } from '../common/auth/authentication-methods';
import type { StepUpProof } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { AccountLimiter } from '../rate-limit/account-limiter';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

export interface FactorOwner {
  id: string;
  email: string;
}

/** Which factor a proof used, as `amr` names it; undefined when it failed. */
export type CodeMethod = typeof AMR.totp | typeof AMR.recoveryCode;

/**
 * Checks a TOTP code or a recovery code of an account. A guess here is a login failure of the
 * account like a wrong password: counted before the check by the account limit (429 beyond it,
 * shared with login and re-authentication), forgiven when right, and audited when wrong.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly accountLimit: AccountLimiter,
    private readonly audit: AuditService,
  ) {}

  async check(
    owner: FactorOwner,
    proof: StepUpProof,
    client: ClientContext,
  ): Promise<CodeMethod | undefined> {
    await this.accountLimit.reserve(owner.email, client);
    const method = await this.match(owner.id, proof);
    if (!method) {
      await this.audit.record({
        type: 'auth.mfa.failure',
        userId: owner.id,
        client,
        metadata: {
          route: client.route,
          method: typeof proof.recoveryCode === 'string' ? 'recovery_code' : 'totp',
        },
      });
      return undefined;
    }
    await this.accountLimit.forgive(owner.email, client);
    if (method === AMR.recoveryCode) {
      await this.audit.record({
        type: 'auth.mfa.recovery_used',
        userId: owner.id,
        client,
        metadata: { remaining: await this.recovery.remaining(owner.id) },
      });
    }
    return method;
  }

  private async match(userId: string, proof: StepUpProof): Promise<CodeMethod | undefined> {
    if (typeof proof.code === 'string')
      return (await this.totp.accept(userId, proof.code)) ? AMR.totp : undefined;
    if (typeof proof.recoveryCode === 'string')
      return (await this.recovery.consume(userId, proof.recoveryCode))
        ? AMR.recoveryCode
        : undefined;
    return undefined;
  }
}
