import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import { AuditService } from '../../audit/audit.service';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { StepUp, type ProofFields } from '../../common/auth/step-up';
import type { ClientContext } from '../../common/http/client-context';
import { sha256Hex } from '../../crypto/digest';
import { Transactions } from '../../database/transactions';
import { MailService } from '../../mail/mail.service';
import { MfaFactorsService } from '../mfa-factors.service';
import { assertVerifiedAddress } from '../totp-enrolment.service';
import { PasskeyRepository, type PasskeyRow } from './passkey.repository';
import { RelyingParty, userHandleOf } from './relying-party';
import { WebauthnChallengeRepository } from './webauthn-challenge.repository';

/** A ceremony's challenge lives as long as the browser's own timeout, then some slack. */
export const CEREMONY_TIMEOUT_MS = 120_000;
export const CHALLENGE_TTL_SECONDS = 180;
export const REGISTRATION_FAILED = 'The passkey could not be verified';
const PASSKEY_METHOD = 'a passkey';

/** Adding, listing and removing the caller's passkeys. */
@Injectable()
export class PasskeyRegistrationService {
  constructor(
    private readonly rp: RelyingParty,
    private readonly passkeys: PasskeyRepository,
    private readonly challenges: WebauthnChallengeRepository,
    private readonly factors: MfaFactorsService,
    private readonly stepUp: StepUp,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
  ) {}

  /**
   * Options for navigator.credentials.create(): a discoverable credential (so it can sign in
   * without a password too), user verification preferred, the caller's own passkeys excluded.
   */
  async options(
    caller: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    assertVerifiedAddress(caller);
    await this.stepUp.forCredentialChange(caller, proofs, client);
    const existing = await this.passkeys.listForUser(caller.id);
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      userID: new Uint8Array(userHandleOf(caller.id)),
      userName: caller.account.email,
      userDisplayName: caller.account.username,
      timeout: CEREMONY_TIMEOUT_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.challenges.create(
      sha256Hex(options.challenge),
      'registration',
      caller.id,
      CHALLENGE_TTL_SECONDS,
    );
    return options;
  }

  /**
   * Verifies the browser's answer against a challenge issued to the caller (after its proofs), once,
   * and stores the passkey; every other session of the account ends (MfaFactorsService.change).
   */
  async register(
    caller: AuthenticatedUser,
    response: RegistrationResponseJSON,
    name: string | undefined,
    client: ClientContext,
  ): Promise<PasskeyRow> {
    return this.tx.run(async () => {
      const changed = await this.factors.change(caller.id, caller.sessionId, async () => {
        const info = (await this.verify(caller.id, response)).registrationInfo;
        const stored = await this.passkeys.insert({
          userId: caller.id,
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backedUp: info.credentialBackedUp,
          name: name ?? null,
        });
        if (!stored) throw new ConflictException('This passkey is already registered');
        return stored;
      });
      if (!changed) throw new BadRequestException(REGISTRATION_FAILED);
      const stored = changed.result;
      await this.audit.record({
        type: 'auth.passkey.added',
        userId: caller.id,
        client,
        metadata: {
          passkeyId: stored.id,
          backupEligible: stored.backupEligible,
          otherSessionsRevoked: changed.sessionsEnded,
        },
      });
      await this.mail.notify(caller.account, 'mfa-enabled', { method: PASSKEY_METHOD });
      return stored;
    });
  }

  list(caller: AuthenticatedUser): Promise<PasskeyRow[]> {
    return this.passkeys.listForUser(caller.id);
  }

  /**
   * Removes one of the caller's passkeys (a credential change; another user's id is a 404, like
   * none); every other session of the account ends.
   */
  async remove(
    caller: AuthenticatedUser,
    id: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forCredentialChange(caller, proofs, client);
    return this.tx.run(async () => {
      const changed = await this.factors.change(caller.id, caller.sessionId, async () =>
        (await this.passkeys.remove(caller.id, id)) ? true : undefined,
      );
      if (!changed) throw new NotFoundException('Passkey not found');
      await this.audit.record({
        type: 'auth.passkey.removed',
        userId: caller.id,
        client,
        metadata: {
          passkeyId: id,
          otherFactorsRemain: changed.enabled,
          otherSessionsRevoked: changed.sessionsEnded,
        },
      });
      // The notice says the password alone protects the account now: only true once no factor is left.
      if (changed.enabled) return;
      await this.mail.notify(caller.account, 'mfa-disabled', { method: PASSKEY_METHOD });
    });
  }

  private async verify(
    userId: string,
    response: RegistrationResponseJSON,
  ): Promise<Extract<VerifiedRegistrationResponse, { verified: true }>> {
    let verified: VerifiedRegistrationResponse;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: (challenge) =>
          this.challenges.consume(sha256Hex(challenge), 'registration', userId),
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.id,
        requireUserVerification: false,
      });
    } catch {
      // The library's messages describe the attacker's input; a uniform answer says enough.
      throw new BadRequestException(REGISTRATION_FAILED);
    }
    if (!verified.verified) throw new BadRequestException(REGISTRATION_FAILED);
    return verified;
  }
}
