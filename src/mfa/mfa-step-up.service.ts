import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUpVerifier, type StepUpProof } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { SecondFactorService } from './second-factor.service';
import { TotpService } from './totp.service';

export const STEP_UP_REQUIRED =
  'A code from your authenticator app (or a recovery code) is required';

/**
 * Step-up for sensitive operations: with a second factor on, a stolen access token and password
 * are not enough; a current code is asked for again (counted like any other guess). An account
 * whose only factor is a passkey steps up with a session that was itself opened with the passkey.
 */
@Injectable()
export class MfaStepUpService extends StepUpVerifier {
  constructor(
    private readonly secondFactor: SecondFactorService,
    private readonly totp: TotpService,
  ) {
    super();
  }

  async verify(user: AuthenticatedUser, proof: StepUpProof, client: ClientContext): Promise<void> {
    if (!user.account.mfaEnabled) return;
    if (!(await this.totp.isEnabled(user.id)) && user.amr.includes('hwk')) return;
    if (typeof proof.code !== 'string' && typeof proof.recoveryCode !== 'string')
      throw new UnauthorizedException(STEP_UP_REQUIRED);
    const owner = { id: user.id, email: user.account.email };
    if (!(await this.secondFactor.check(owner, proof, client)))
      throw new UnauthorizedException('The code is invalid or was already used');
  }
}
