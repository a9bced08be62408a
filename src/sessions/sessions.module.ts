import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MfaChallengeRepository } from './mfa-challenge.repository';
import { OwnSessionsService } from './own-sessions.service';
import { SessionPolicyRepository } from './session-policy.repository';
import { SessionRepository } from './session.repository';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/**
 * Sessions, their refresh tokens and the sign-ins waiting for a second step (`mfa_challenges`):
 * below users and auth, the one module that writes those tables.
 */
@Module({
  imports: [AuditModule],
  controllers: [SessionsController],
  providers: [
    SessionRepository,
    SessionPolicyRepository,
    SessionsService,
    OwnSessionsService,
    MfaChallengeRepository,
  ],
  exports: [SessionsService, MfaChallengeRepository],
})
export class SessionsModule {}
