import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { MfaChallengeRepository } from './mfa-challenge.repository';
import { MfaFactorsService } from './mfa-factors.service';
import { PasskeyRepository } from './passkeys/passkey.repository';
import { RecoveryCodesService } from './recovery-codes.service';
import { TotpService } from './totp.service';

/**
 * An admin removes every factor of a user who lost them (TOTP, recovery codes, passkeys, pending
 * logins) and ends the user's sessions, so whoever holds a session opened with the lost device is
 * out too. The user signs in with the password alone next and should enrol again.
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
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  async reset(admin: AuthenticatedUser, userId: string, client: ClientContext): Promise<void> {
    await this.users.get(userId); // 404 for an unknown id
    await this.tx.run(async () => {
      await this.users.lockForUpdate(userId);
      const totpRemoved = await this.totp.remove(userId);
      await this.recovery.removeAll(userId);
      const passkeysRemoved = await this.passkeys.removeAll(userId);
      await this.challenges.removeAllForUser(userId);
      await this.factors.refreshFlag(userId);
      const sessionsRevoked = await this.sessions.revoke({ userId }, 'mfa_reset');
      await this.audit.record({
        type: 'admin.user.mfa_reset',
        userId: admin.id,
        client,
        metadata: { targetUserId: userId, totpRemoved, passkeysRemoved, sessionsRevoked },
      });
    });
  }
}
