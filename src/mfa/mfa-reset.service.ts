import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import { MailService } from '../mail/mail.service';
import { UsersService } from '../users/users.service';
import { MfaChallengeRepository } from '../sessions/mfa-challenge.repository';
import { MfaFactorsService } from './mfa-factors.service';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * An admin removes every factor of a user who lost them (TOTP, recovery codes, passkeys, pending
 * logins) and ends the user's sessions, so whoever holds a session opened with the lost device is
 * out too, and every pending link and sign-in step dies with the credentials version. The user signs
 * in with the password alone next and should enrol again, and is mailed a notice (quoting nothing the
 * admin wrote). A sensitive operation for the admin: one proof, or a recent one; the admin's `reason`
 * (the ticket, how the user's identity was proven) goes into the audit event.
 */
@Injectable()
export class MfaResetService {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    private readonly recovery: RecoveryCodesService,
    private readonly passkeys: PasskeyRepository,
    private readonly challenges: MfaChallengeRepository,
    private readonly factors: MfaFactorsService,
    private readonly stepUp: StepUp,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
  ) {}

  async reset(
    admin: AuthenticatedUser,
    userId: string,
    { reason, ...proofs }: ProofFields & { reason?: string },
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forSensitiveOperation(admin, proofs, client);
    const user = await this.users.get(userId); // 404 for an unknown id
    await this.tx.run(async () => {
      let removed = { totp: false, passkeys: 0 };
      const changed = await this.factors.change(userId, undefined, async () => {
        removed = {
          totp: await this.totp.remove(userId),
          passkeys: await this.passkeys.removeAll(userId),
        };
        await this.recovery.removeAll(userId);
        await this.challenges.removeAllForUser(userId);
        return true;
      });
      await this.audit.record({
        type: 'admin.user.mfa_reset',
        userId: admin.id,
        client,
        metadata: {
          targetUserId: userId,
          totpRemoved: removed.totp,
          passkeysRemoved: removed.passkeys,
          sessionsRevoked: changed?.sessionsEnded ?? 0,
          reason: reason ?? null,
        },
      });
      await this.mail.notify(user, 'mfa-reset', {});
    });
  }
}
