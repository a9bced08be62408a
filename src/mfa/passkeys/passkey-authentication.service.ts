import { Injectable, UnauthorizedException } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../../audit/audit.service';
import { AMR } from '../../common/auth/authentication-methods';
import type { ClientContext } from '../../common/http/client-context';
import { Transactions } from '../../database/transactions';
import { UsersService } from '../../users/users.service';
import { MfaLoginService, type SecondStepDone } from '../mfa-login.service';
import { PasskeyAssertions } from './passkey-assertions';
import { PasskeyRepository } from './passkey.repository';
import { userHandleOf } from './relying-party';

export const PASSKEY_REFUSED = 'The passkey could not be verified';

/**
 * Signing in with a passkey: as the second step of a login (the mfaToken names the account and
 * its passkeys) or on its own with a discoverable credential, where the authenticator's user
 * verification (PIN, biometric) is the second factor: `amr` ["hwk","user"].
 */
@Injectable()
export class PasskeyAuthenticationService {
  constructor(
    private readonly assertions: PasskeyAssertions,
    private readonly passkeys: PasskeyRepository,
    private readonly mfaLogin: MfaLoginService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** With an mfaToken: that account's passkeys; without: any discoverable one, verified by the user. */
  async options(mfaToken: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (mfaToken === undefined) return this.assertions.options('passwordless', null);
    const pending = await this.mfaLogin.pendingUser(mfaToken);
    return this.assertions.options('second_factor', pending.userId);
  }

  /** The second step of a login with one of the account's passkeys: `amr` ["pwd","hwk"]. */
  async secondFactor(
    mfaToken: string,
    response: AuthenticationResponseJSON,
    client: ClientContext,
  ): Promise<SecondStepDone> {
    const { pending } = await this.mfaLogin.completeWith(
      mfaToken,
      'passkey',
      client,
      async (login) =>
        (await this.assertions.verifyOwn(login.userId, response, 'second_factor')) || undefined,
    );
    return { ...pending, amr: [AMR.password, AMR.passkey] };
  }

  /** Passwordless: a discoverable passkey with user verification; `amr` ["hwk","user"]. */
  async passwordless(
    response: AuthenticationResponseJSON,
    client: ClientContext,
  ): Promise<SecondStepDone> {
    const proven = await this.tx.run(async () => {
      const passkey = await this.passkeys.findByCredentialId(String(response?.id));
      if (!passkey) return undefined;
      const handle = response.response?.userHandle;
      const handleMatches =
        handle === undefined || handle === userHandleOf(passkey.userId).toString('base64url');
      if (
        !handleMatches ||
        !(await this.assertions.verify(passkey, response, 'passwordless', null, true))
      ) {
        await this.audit.record({
          type: 'auth.login.failure',
          userId: passkey.userId,
          client,
          metadata: { reason: 'passkey' },
        });
        return undefined;
      }
      const account = await this.users.findCredentials({ id: passkey.userId });
      if (!account?.user.isActive) return undefined;
      return { userId: passkey.userId, credentialsVersion: account.credentialsVersion };
    });
    if (!proven) throw new UnauthorizedException(PASSKEY_REFUSED);
    return { ...proven, amr: [AMR.passkey, AMR.userVerification] };
  }
}
