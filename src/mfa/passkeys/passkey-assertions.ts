import { Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { sha256Hex } from '../../crypto/digest';
import { CEREMONY_TIMEOUT_MS, CHALLENGE_TTL_SECONDS } from './passkey-registration.service';
import { PasskeyRepository, type PasskeyRow } from './passkey.repository';
import { RelyingParty } from './relying-party';
import { WebauthnChallengeRepository, type CeremonyPurpose } from './webauthn-challenge.repository';

/**
 * The authentication ceremony's two halves, for every use of an assertion: the options (with their
 * challenge remembered for one purpose and user), and the verification of the browser's answer.
 * Sign-in (second step, passwordless) and step-up both go through here.
 */
@Injectable()
export class PasskeyAssertions {
  constructor(
    private readonly rp: RelyingParty,
    private readonly passkeys: PasskeyRepository,
    private readonly challenges: WebauthnChallengeRepository,
  ) {}

  /**
   * Options for navigator.credentials.get(): with `userId`, that account's passkeys; without,
   * any discoverable passkey, user verification required.
   */
  async options(
    purpose: CeremonyPurpose,
    userId: string | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const owned = userId ? await this.passkeys.listForUser(userId) : [];
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      timeout: CEREMONY_TIMEOUT_MS,
      userVerification: userId ? 'preferred' : 'required',
      ...(userId
        ? { allowCredentials: owned.map((p) => ({ id: p.credentialId, transports: p.transports })) }
        : {}),
    });
    await this.challenges.create(
      sha256Hex(options.challenge),
      purpose,
      userId,
      CHALLENGE_TTL_SECONDS,
    );
    return options;
  }

  /** An assertion by one of `userId`'s own passkeys, for a challenge issued to them for `purpose`. */
  async verifyOwn(
    userId: string,
    response: AuthenticationResponseJSON,
    purpose: CeremonyPurpose,
  ): Promise<boolean> {
    const passkey = await this.passkeys.findByCredentialId(String(response?.id));
    return passkey?.userId === userId && this.verify(passkey, response, purpose, userId, false);
  }

  /**
   * Verifies an assertion by `passkey` against a live challenge of `purpose` (spent here, once),
   * the relying party id and the allowed origins; records the new counter and backup state, in the
   * caller's transaction. False, too, when the counter does not grow (unless it stays 0).
   */
  async verify(
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
