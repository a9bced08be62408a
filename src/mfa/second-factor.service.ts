import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { AMR } from '../common/auth/authentication-methods';
import type { UserAccount } from '../common/auth/principal';
import type { ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { RateLimitExceededException } from '../common/http/rate-limit-exceeded.exception';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { SecondFactorLimiter } from '../rate-limit/second-factor-limiter';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/** Whose factor is checked: the account, and what its owner's notice needs. */
export type FactorOwner = Pick<UserAccount, 'id' | 'email' | 'username'>;

/** Which code a proof used, as `amr` names it; undefined when it failed. */
export type CodeMethod = typeof AMR.totp | typeof AMR.recoveryCode;
/** Which factor a proof used, as `amr` names it. */
export type FactorMethod = CodeMethod | typeof AMR.passkey;

/** How a failed proof is named in `auth.mfa.failure` events. */
export type FactorKind = 'totp' | 'recovery_code' | 'passkey';

/**
 * Second-factor guesses of an account (a TOTP code, a recovery code, a passkey assertion), at sign-in
 * and at step-up. Each is counted before it is checked by the SecondFactorLimiter, whose counters a
 * right password never clears; over the limit the answer is a 429 and the owner hears of it once a
 * window. A wrong one is audited (`auth.mfa.failure`), a right one forgives the network's count.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly limiter: SecondFactorLimiter,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
    private readonly assertions: PasskeyAssertions,
  ) {}

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
        : await this.matchPasskey(owner.id, proof.passkey);
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

  private async matchPasskey(
    userId: string,
    assertion: Record<string, unknown>,
  ): Promise<typeof AMR.passkey | undefined> {
    const response = assertion as unknown as AuthenticationResponseJSON;
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

export function kindOf(proof: ProofFields): FactorKind {
  if (typeof proof.code === 'string') return 'totp';
  if (typeof proof.recoveryCode === 'string') return 'recovery_code';
  return 'passkey';
}
