import { Injectable } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { AMR } from '../common/auth/authentication-methods';
import {
  SecondFactor,
  kindOf,
  type AssertionPurpose,
  type CodeMethod,
  type FactorKind,
  type FactorMethod,
  type FactorOwner,
  type PasskeyOwner,
} from '../common/auth/second-factor';
import type { ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { SecondFactorLimiter } from '../rate-limit/second-factor-limiter';
import { MfaFactorsService } from './mfa-factors.service';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { userHandleOf } from './passkeys/relying-party';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * Second-factor guesses of an account (a TOTP code, a recovery code, a passkey assertion), at sign-in
 * and at step-up. Each is counted before it is checked by the SecondFactorLimiter, whose counters a
 * right password never clears; over the limit the answer is a 429 and the owner hears of it once a
 * window. A wrong one is audited (`auth.mfa.failure`), a right one forgives the network's count.
 * The SecondFactor port that sign-in and step-up use.
 */
@Injectable()
export class SecondFactorService extends SecondFactor {
  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly limiter: SecondFactorLimiter,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
    private readonly assertions: PasskeyAssertions,
    private readonly passkeys: PasskeyRepository,
    private readonly factors: MfaFactorsService,
  ) {
    super();
  }

  methods(userId: string): Promise<FactorKind[]> {
    return this.factors.methods(userId);
  }

  /**
   * A step-up proof (a TOTP code, a recovery code, or a passkey assertion for a `step_up` challenge
   * of the owner), counted, checked and settled in one call. Call it outside a transaction.
   */
  async check(
    owner: FactorOwner,
    proof: ProofFields,
    client: ClientContext,
  ): Promise<FactorMethod | undefined> {
    await this.reserve(owner, client);
    const method =
      proof.passkey === undefined
        ? await this.matchCode(owner.id, proof, client)
        : await this.matchStepUpPasskey(owner.id, proof.passkey);
    await this.settle(owner, kindOf(proof), method !== undefined, client);
    return method;
  }

  /**
   * Counts one attempt before anything is checked. Call it outside the transaction that checks:
   * the owner's notice commits on its own, whatever happens to that transaction.
   */
  async reserve(owner: FactorOwner, client: ClientContext): Promise<void> {
    try {
      await this.limiter.reserve(owner.id, client);
    } catch (error) {
      if (error instanceof RateLimitExceededException) await this.noticeOnce(owner, client);
      throw error;
    }
  }

  /** After a reserved attempt was checked: a right one forgives, a wrong one is audited. */
  async settle(
    owner: FactorOwner,
    kind: FactorKind,
    right: boolean,
    client: ClientContext,
  ): Promise<void> {
    if (right) return this.limiter.forgive(owner.id, client);
    await this.audit.record({
      type: 'auth.mfa.failure',
      userId: owner.id,
      client,
      metadata: { route: client.route, method: kind },
    });
  }

  /** Which code `proof` holds, if it is right (a recovery code is spent and its use audited). */
  async matchCode(
    userId: string,
    proof: ProofFields,
    client: ClientContext,
  ): Promise<CodeMethod | undefined> {
    if (typeof proof.code === 'string')
      return (await this.totp.accept(userId, proof.code)) ? AMR.totp : undefined;
    if (typeof proof.recoveryCode !== 'string') return undefined;
    if (!(await this.recovery.consume(userId, proof.recoveryCode))) return undefined;
    await this.audit.record({
      type: 'auth.mfa.recovery_used',
      userId,
      client,
      metadata: { remaining: await this.recovery.remaining(userId) },
    });
    return AMR.recoveryCode;
  }

  /** In the caller's transaction, which records the passkey's new counter. */
  matchPasskey(
    userId: string,
    response: AuthenticationResponseJSON,
    purpose: AssertionPurpose,
  ): Promise<boolean> {
    return this.assertions.verifyOwn(userId, response, purpose);
  }

  /** In the caller's transaction, like matchPasskey. */
  async passkeyOwner(response: AuthenticationResponseJSON): Promise<PasskeyOwner | undefined> {
    const passkey = await this.passkeys.findByCredentialId(String(response?.id));
    if (!passkey) return undefined;
    const handle = response.response?.userHandle;
    const handleMatches =
      handle === undefined || handle === userHandleOf(passkey.userId).toString('base64url');
    const verified =
      handleMatches &&
      (await this.assertions.verify(passkey, response, 'passwordless', null, true));
    return { userId: passkey.userId, verified };
  }

  passkeyOptions(
    purpose: AssertionPurpose,
    userId: string | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.assertions.options(purpose, userId);
  }

  private async matchStepUpPasskey(
    userId: string,
    response: AuthenticationResponseJSON,
  ): Promise<typeof AMR.passkey | undefined> {
    const right = await this.tx.run(() => this.assertions.verifyOwn(userId, response, 'step_up'));
    return right ? AMR.passkey : undefined;
  }

  private async noticeOnce(owner: FactorOwner, client: ClientContext): Promise<void> {
    if (!(await this.limiter.firstNoticeOfWindow(owner.id))) return;
    await this.tx.run(async () => {
      await this.mail.notify(owner, 'mfa-failures', {});
      await this.audit.record({
        type: 'auth.mfa.failure_notice',
        userId: owner.id,
        client,
        metadata: { route: client.route },
      });
    });
  }
}
