import { Injectable, UnauthorizedException } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../../audit/audit.service';
import { AMR } from '../../common/auth/authentication-methods';
import type { ClientContext } from '../../common/http/client-context';
import { sha256Hex } from '../../crypto/digest';
import { Transactions } from '../../database/transactions';
import { UsersService } from '../../users/users.service';
import { MfaLoginService, type SecondStepDone } from '../mfa-login.service';
import { CEREMONY_TIMEOUT_MS, CHALLENGE_TTL_SECONDS } from './passkey-registration.service';
import { PasskeyRepository, type PasskeyRow } from './passkey.repository';
import { RelyingParty, userHandleOf } from './relying-party';
import { WebauthnChallengeRepository, type CeremonyPurpose } from './webauthn-challenge.repository';

export const PASSKEY_REFUSED = 'The passkey could not be verified';

/**
 * Signing in with a passkey: as the second step of a login (the mfaToken names the account and
 * its passkeys) or on its own with a discoverable credential, where the authenticator's user
 * verification (PIN, biometric) is the second factor: `amr` ["hwk","user"].
 */
@Injectable()
export class PasskeyAuthenticationService {
  constructor(
    private readonly rp: RelyingParty,
    private readonly passkeys: PasskeyRepository,
    private readonly challenges: WebauthnChallengeRepository,
    private readonly mfaLogin: MfaLoginService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** With an mfaToken: that account's passkeys; without: any discoverable one, verified by the user. */
  async options(mfaToken: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    if (mfaToken === undefined) {
      const options = await generateAuthenticationOptions({
        rpID: this.rp.id,
        timeout: CEREMONY_TIMEOUT_MS,
        userVerification: 'required',
      });
      await this.remember(options.challenge, 'passwordless', null);
      return options;
    }
    const pending = await this.mfaLogin.pendingUser(mfaToken);
    const owned = await this.passkeys.listForUser(pending.userId);
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      timeout: CEREMONY_TIMEOUT_MS,
      userVerification: 'preferred',
      allowCredentials: owned.map((p) => ({ id: p.credentialId, transports: p.transports })),
    });
    await this.remember(options.challenge, 'second_factor', pending.userId);
    return options;
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
      async (login) => {
        const passkey = await this.passkeys.findByCredentialId(String(response?.id));
        const ok =
          passkey?.userId === login.userId &&
          (await this.assert(passkey, response, 'second_factor', login.userId, false));
        return ok || undefined;
      },
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
      if (!handleMatches || !(await this.assert(passkey, response, 'passwordless', null, true))) {
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

  private async remember(
    challenge: string,
    purpose: CeremonyPurpose,
    userId: string | null,
  ): Promise<void> {
    await this.challenges.create(sha256Hex(challenge), purpose, userId, CHALLENGE_TTL_SECONDS);
  }

  /**
   * Verifies an assertion by `passkey` against a live challenge of `purpose` (spent here, once),
   * the relying party id and the allowed origins; records the new counter and backup state, in the
   * caller's transaction. False, too, when the counter does not grow (unless it stays 0).
   */
  private async assert(
    passkey: PasskeyRow,
    response: AuthenticationResponseJSON,
    purpose: CeremonyPurpose,
    userId: string | null,
    requireUserVerification: boolean,
  ): Promise<boolean> {
    try {
      const { verified, authenticationInfo } = await verifyAuthenticationResponse({
        response,
        expectedChallenge: (challenge) =>
          this.challenges.consume(sha256Hex(challenge), purpose, userId),
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.id,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification,
      });
      if (!verified) return false;
      // The counter above was read without a lock; the write decides against a concurrent
      // sign-in with the same passkey, and a counter that lost is refused like a stale one.
      return await this.passkeys.recordUse(
        passkey.id,
        authenticationInfo.newCounter,
        authenticationInfo.credentialBackedUp,
      );
    } catch {
      // A wrong challenge, origin, signature or a counter that went backwards (a cloned key).
      return false;
    }
  }
}
