import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { SecondFactor } from '../../common/auth/second-factor';
import { StepUp, type ProofFields } from '../../common/auth/step-up';
import type { ClientContext } from '../../common/http/client-context';
import { Transactions } from '../../database/transactions';
import { SessionsService } from '../../sessions/sessions.service';
import { UserRepository } from '../../users/user.repository';
import { IdentityRepository, type LinkedIdentity } from './identity.repository';

export const LAST_WAY_IN =
  'This is the last way to sign in to this account: set a password (through the reset link) or add a passkey or another identity first';
export const NO_SUCH_IDENTITY = 'No such identity for this user';

/** The caller's provider identities: listed, and unlinked (a credential change). */
@Injectable()
export class IdentitiesService {
  constructor(
    private readonly identities: IdentityRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionsService,
    private readonly secondFactor: SecondFactor,
    private readonly stepUp: StepUp,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  list(user: AuthenticatedUser): Promise<LinkedIdentity[]> {
    return this.identities.listForUser(user.id);
  }

  /**
   * Unlinks one identity, never the last way in (a password, another identity or a passkey must
   * remain; decided under the account's row lock, so two unlinks cannot both pass). Like a factor
   * change, every other session ends, and so does the caller's when this identity opened it; the
   * credentials version moves on (pending links and sign-in steps die).
   */
  async unlink(
    user: AuthenticatedUser,
    id: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    await this.stepUp.forCredentialChange(user, proofs, client);
    await this.tx.run(async () => {
      await this.users.lockForUpdate(user.id);
      const mine = await this.identities.listForUser(user.id);
      const identity = mine.find((i) => i.id === id);
      if (!identity) throw new NotFoundException(NO_SUCH_IDENTITY);
      const credentials = await this.users.findCredentials({ id: user.id });
      const others =
        credentials?.passwordHash != null ||
        mine.length > 1 ||
        (await this.secondFactor.methods(user.id)).includes('passkey');
      if (!others) throw new ConflictException(LAST_WAY_IN);
      const callerOpenedByIt = await this.sessions.openedByIdentity(user.sessionId, id);
      await this.identities.delete(user.id, id);
      await this.users.bumpCredentialsVersion(user.id);
      const sessionsEnded = callerOpenedByIt
        ? await this.sessions.revoke({ userId: user.id }, 'identity_unlinked')
        : await this.sessions.keepOnlyCaller(user.id, user.sessionId, 'identity_unlinked');
      await this.audit.record({
        type: 'auth.oidc.unlinked',
        userId: user.id,
        client,
        metadata: { provider: identity.provider, identityId: id, sessionsEnded },
      });
    });
  }
}
