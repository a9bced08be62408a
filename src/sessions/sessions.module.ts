import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SessionRepository } from './session.repository';
import { SessionsService } from './sessions.service';

/** Sessions and their refresh tokens: below users and auth, the one module that writes `sessions`. */
@Module({
  imports: [AuditModule],
  providers: [SessionRepository, SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
