import { Injectable } from '@nestjs/common';
import type { FactorKind } from '../common/auth/second-factor';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from '../users/user.repository';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/** What a factor change did. */
export interface FactorChange<T> {
  result: T;
  /** Whether the account still has a second factor (`users.mfa_enabled`). */
  enabled: boolean;
  /** How many other sessions it ended. */
  sessionsEnded: number;
}

/**
 * What factors an account has, and every change to them. The `users.mfa_enabled` flag summarises
 * them for the per-request check: on while a confirmed authenticator or a passkey exists.
 */
@Injectable()
export class MfaFactorsService {
  constructor(
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly passkeys: PasskeyRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionsService,
    private readonly tx: Transactions,
  ) {}

  async methods(userId: string): Promise<FactorKind[]> {
    const methods: FactorKind[] = [];
    if (await this.totp.isEnabled(userId)) methods.push('totp');
    if ((await this.recovery.remaining(userId)) > 0) methods.push('recovery_code');
    if ((await this.passkeys.countForUser(userId)) > 0) methods.push('passkey');
    return methods;
  }

  /**
   * One change to the account's factors (`work` answers undefined when it changed nothing). The
   * account's row is locked first, so changes of one account run one at a time and a passkey
   * removal racing a TOTP confirmation cannot leave the flag wrong. Then the flag is recomputed and
   * the credentials version moves on: every session but `keepSessionId` (the caller's, when it is
   * the owner), every pending sign-in step and every reset or email-change link of the account dies.
   */
  change<T>(
    userId: string,
    keepSessionId: string | undefined,
    work: () => Promise<T | undefined>,
  ): Promise<FactorChange<T> | undefined> {
    return this.tx.run(async () => {
      await this.users.lockForUpdate(userId);
      const result = await work();
      if (result === undefined) return undefined;
      const enabled =
        (await this.totp.isEnabled(userId)) || (await this.passkeys.countForUser(userId)) > 0;
      await this.users.setMfaEnabled(userId, enabled);
      await this.users.bumpCredentialsVersion(userId);
      const sessionsEnded = keepSessionId
        ? await this.sessions.keepOnlyCaller(userId, keepSessionId, 'factor_changed')
        : await this.sessions.revoke({ userId }, 'mfa_reset');
      return { result, enabled, sessionsEnded };
    });
  }
}
