import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { SessionResponse } from './dto/session-response.dto';
import { SessionsService } from './sessions.service';

/**
 * The caller's own sessions, as GET and DELETE /api/auth/sessions see them. Apart from
 * SessionsService because the StepUp port it asks is itself built on SessionsService.
 */
@Injectable()
export class OwnSessionsService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly stepUp: StepUp,
  ) {}

  list(user: AuthenticatedUser): Promise<SessionResponse[]> {
    return this.sessions.list(user);
  }

  /**
   * Ends one of the caller's sessions: the current one like a logout, any other one only as a
   * sensitive operation (StepUp), so a stolen session cannot quietly end the owner's.
   */
  async revoke(
    user: AuthenticatedUser,
    sessionId: string,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<void> {
    if (sessionId.toLowerCase() !== user.sessionId.toLowerCase())
      await this.stepUp.forSensitiveOperation(user, proofs, client);
    await this.sessions.revokeOwn(user, sessionId, client);
  }
}
