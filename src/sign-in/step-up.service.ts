import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { SecondFactor } from '../common/auth/second-factor';
import { StepUp, type ProofFields, type ProvenChange } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { StepUpRequiredException } from '../common/http/step-up-required.exception';
import { MfaConfig } from '../config/config-sections';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import { CredentialsService } from '../users/credentials.service';
import { SIGN_IN_ERRORS } from './sign-in-errors';

/** Whether `proofs` name a second factor; more than one is a 400, before anything is checked. */
function hasFactor(proofs: ProofFields): boolean {
  const given = [proofs.code, proofs.recoveryCode, proofs.passkey].filter((p) => p !== undefined);
  if (given.length > 1) throw new BadRequestException(SIGN_IN_ERRORS.ONE_FACTOR);
  return given.length === 1;
}

/**
 * Decides, for every sensitive route, whether the request is proven enough (the StepUp port), and
 * takes the proofs of POST /api/auth/step-up. Checks that nothing is missing before it verifies
 * anything, so a missing proof is never counted; a wrong password counts against the account limit
 * (CredentialsService), a wrong second factor against the second-factor limit.
 */
@Injectable()
export class StepUpService extends StepUp {
  private readonly maxAgeSeconds: number;

  constructor(
    private readonly credentials: CredentialsService,
    private readonly secondFactor: SecondFactor,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    mfa: MfaConfig,
  ) {
    super();
    this.maxAgeSeconds = mfa.stepUpMaxAgeSeconds;
  }

  async forCredentialChange(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<ProvenChange> {
    const needsFactor = user.account.mfaEnabled;
    const factorGiven = hasFactor(proofs);
    if (proofs.password === undefined) {
      if (await this.credentials.hasNoPassword(user.id))
        return this.withoutPassword(user, proofs, client, needsFactor);
      throw this.missing(needsFactor);
    }
    if (needsFactor && !factorGiven) throw this.missing(true);
    const { credentialsVersion } = await this.credentials.confirmPassword(
      user.id,
      proofs.password,
      client,
    );
    if (needsFactor) await this.verifyFactor(user, proofs, client);
    return { credentialsVersion };
  }

  /**
   * A credential change on an account without a password: a passkey assertion in the request (a
   * possession factor with its own user verification), or a provider sign-in on this session within
   * STEP_UP_MAX_AGE, plus a second factor in the request when one is on.
   */
  private async withoutPassword(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
    needsFactor: boolean,
  ): Promise<ProvenChange> {
    const factorGiven = hasFactor(proofs);
    if (proofs.passkey === undefined) {
      const age = await this.sessions.secondsSinceFirstFactor(user);
      const fresh = age !== null && age <= this.maxAgeSeconds;
      if (!fresh || (needsFactor && !factorGiven))
        throw new StepUpRequiredException(SIGN_IN_ERRORS.NO_PASSWORD_PROOF_REQUIRED);
    }
    if (factorGiven) await this.verifyFactor(user, proofs, client);
    const credentialsVersion = await this.credentials.credentialsVersion(user.id);
    if (credentialsVersion === undefined)
      throw new UnauthorizedException(SIGN_IN_ERRORS.SIGN_IN_EXPIRED);
    return { credentialsVersion };
  }

  async forSensitiveOperation(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    if (proofs.password !== undefined || hasFactor(proofs)) {
      await this.verify(user, proofs, client);
      return;
    }
    const age = await this.sessions.secondsSinceProof(user);
    if (age === null || age > this.maxAgeSeconds)
      throw new StepUpRequiredException(SIGN_IN_ERRORS.PROOF_REQUIRED);
  }

  /** POST /api/auth/step-up: verifies the proofs and stamps them on the caller's session. */
  async prove(user: AuthenticatedUser, proofs: ProofFields, client: ClientContext): Promise<void> {
    const proven = await this.verify(user, proofs, client);
    await this.tx.run(async () => {
      await this.sessions.recordProofs(user, proven);
      await this.audit.record({
        type: 'auth.step_up',
        userId: user.id,
        client,
        metadata: { sessionId: user.sessionId, ...proven },
      });
    });
  }

  /** Options for a passkey assertion offered as a proof (`passkey` in a body), for the caller's passkeys. */
  passkeyOptions(user: AuthenticatedUser): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.secondFactor.passkeyOptions('step_up', user.id);
  }

  private async verify(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<{ password: boolean; factor: boolean }> {
    const password = proofs.password !== undefined;
    const factor = hasFactor(proofs);
    if (!password && !factor) throw new StepUpRequiredException(SIGN_IN_ERRORS.PROOF_REQUIRED);
    if (password) await this.credentials.confirmPassword(user.id, proofs.password ?? '', client);
    if (factor) await this.verifyFactor(user, proofs, client);
    return { password, factor };
  }

  private async verifyFactor(
    user: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    if (!(await this.secondFactor.check(user.account, proofs, client)))
      throw new UnauthorizedException(SIGN_IN_ERRORS.WRONG_SECOND_FACTOR);
  }

  private missing(withFactor: boolean): StepUpRequiredException {
    return new StepUpRequiredException(
      withFactor ? SIGN_IN_ERRORS.FACTOR_REQUIRED : SIGN_IN_ERRORS.PASSWORD_REQUIRED,
    );
  }
}
