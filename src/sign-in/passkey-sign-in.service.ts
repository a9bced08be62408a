import { Injectable, UnauthorizedException } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { AMR } from '../common/auth/authentication-methods';
import { SecondFactor } from '../common/auth/second-factor';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import { UserRepository } from '../users/user.repository';
import { SecondStepService } from './second-step.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import { SignInService, type ProvenSignIn, type SignedIn } from './sign-in.service';

/**
 * Signing in with a passkey: as the second step of a sign-in (the mfaToken names the account and
 * its passkeys) or on its own with a discoverable credential, where the authenticator's user
 * verification (PIN, biometric) is the second factor: `amr` ["hwk","user"].
 */
@Injectable()
export class PasskeySignInService {
  constructor(
    private readonly secondFactor: SecondFactor,
    private readonly secondStep: SecondStepService,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly signIn: SignInService,
  ) {}

  /** With an mfaToken: that account's passkeys; without: any discoverable one, verified by the user. */
  async options(mfaToken: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (mfaToken === undefined) return this.secondFactor.passkeyOptions('passwordless', null);
    const pending = await this.secondStep.pendingUser(mfaToken);
    return this.secondFactor.passkeyOptions('second_factor', pending.userId);
  }

  /** POST /api/auth/passkeys/authentication/verify: the second step with an mfaToken, or passwordless. */
  async verify(
    mfaToken: string | undefined,
    response: AuthenticationResponseJSON,
    client: ClientContext,
  ): Promise<SignedIn> {
    const proven =
      mfaToken === undefined
        ? await this.passwordless(response, client)
        : await this.asSecondStep(mfaToken, response, client);
    return this.signIn.open(proven, client);
  }

  /** The second step of a sign-in with one of the account's passkeys: `amr` ["pwd","hwk"]. */
  private async asSecondStep(
    mfaToken: string,
    response: AuthenticationResponseJSON,
    client: ClientContext,
  ): Promise<ProvenSignIn> {
    const { pending } = await this.secondStep.completeWith(
      mfaToken,
      'passkey',
      client,
      async (signIn) =>
        (await this.secondFactor.matchPasskey(signIn.userId, response, 'second_factor')) ||
        undefined,
    );
    const { userId, credentialsVersion, firstFactor, identityId } = pending;
    return { userId, credentialsVersion, amr: [firstFactor, AMR.passkey], identityId };
  }

  /** Passwordless: a discoverable passkey with user verification; `amr` ["hwk","user"]. */
  private async passwordless(
    response: AuthenticationResponseJSON,
    client: ClientContext,
  ): Promise<ProvenSignIn> {
    const proven = await this.tx.run(async () => {
      const owner = await this.secondFactor.passkeyOwner(response);
      if (!owner) return undefined;
      if (!owner.verified) {
        await this.audit.record({
          type: 'auth.login.failure',
          userId: owner.userId,
          client,
          metadata: { reason: 'passkey' },
        });
        return undefined;
      }
      const account = await this.users.findCredentials({ id: owner.userId });
      if (!account?.user.isActive) return undefined;
      return { userId: owner.userId, credentialsVersion: account.credentialsVersion };
    });
    if (!proven) throw new UnauthorizedException(SIGN_IN_ERRORS.PASSKEY_REFUSED);
    return { ...proven, amr: [AMR.passkey, AMR.userVerification] };
  }
}
