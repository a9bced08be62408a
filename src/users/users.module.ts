import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { CredentialsService } from './credentials.service';
import { SensitiveFieldRepository } from './sensitive-field.repository';
import { SensitiveDataController } from './sensitive-data.controller';
import { SensitiveDataService } from './sensitive-data.service';
import { UnknownAccountService } from './unknown-account.service';
import { UserSessionsController } from './user-sessions.controller';
import { UserSessionsService } from './user-sessions.service';
import { UserRepository } from './user.repository';
import { UsernameReservationRepository } from './username-reservation.repository';
import { UsernameReservationService } from './username-reservation.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [CryptoModule, AuditModule, SessionsModule, RateLimitModule],
  controllers: [UsersController, SensitiveDataController, UserSessionsController],
  providers: [
    UserRepository,
    SensitiveFieldRepository,
    UsersService,
    CredentialsService,
    SensitiveDataService,
    UnknownAccountService,
    UserSessionsService,
    UsernameReservationRepository,
    UsernameReservationService,
  ],
  exports: [
    UserRepository,
    UsersService,
    CredentialsService,
    UnknownAccountService,
    UsernameReservationService,
    UserSessionsService,
  ],
})
export class UsersModule {}
