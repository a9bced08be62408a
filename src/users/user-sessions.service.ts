import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import { UserRepository } from './user.repository';

/**
 * Ending someone else's sessions: an admin's route for one account and the operator's CLI for one
 * account or every account (e.g. after a suspected compromise, or after rotating the signing keys).
 * Nothing else changes: the password and every pending link and sign-in step stay valid.
 */
@Injectable()
export class UserSessionsService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionsService,
    private readonly stepUp: StepUp,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** POST /api/users/:id/sessions/revoke: a sensitive operation for the admin (StepUp). */
  async revokeByAdmin(
    admin: AuthenticatedUser,
    userId: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forSensitiveOperation(admin, proofs, client);
    const target = await this.users.findById(userId);
    if (!target) throw new NotFoundException('User not found');
    await this.tx.run(async () => {
      const count = await this.sessions.revoke({ userId: target.id }, 'revoked_by_admin');
      await this.audit.record({
        type: 'admin.user.sessions_revoked',
        userId: admin.id,
        client,
        metadata: { targetUserId: target.id, sessionsRevoked: count },
      });
    });
  }

  /** `revoke-sessions --user <email>`: how many sessions ended; undefined for an unknown address. */
  async revokeByOperator(email: string): Promise<number | undefined> {
    const target = await this.users.findByEmail(email.trim().toLowerCase());
    if (!target) return undefined;
    return this.tx.run(async () => {
      const count = await this.sessions.revoke({ userId: target.id }, 'revoked_by_operator');
      await this.audit.record({
        type: 'admin.user.sessions_revoked',
        metadata: { via: 'cli', targetUserId: target.id, sessionsRevoked: count },
      });
      return count;
    });
  }

  /** `revoke-sessions --all`: every session of every user; how many ended. */
  revokeEveryoneByOperator(): Promise<number> {
    return this.tx.run(async () => {
      const count = await this.sessions.revokeEveryone();
      await this.audit.record({
        type: 'admin.user.sessions_revoked',
        metadata: { via: 'cli', allUsers: true, sessionsRevoked: count },
      });
      return count;
    });
  }
}
