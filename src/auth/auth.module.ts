import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from '../sessions/sessions.module';
import { SigningKeysModule } from '../signing-keys/signing-keys.module';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { SessionCheckController } from './session-check.controller';
import { TokensService } from './tokens.service';

/**
 * Who is calling: access tokens minted (TokensService) and checked (JwtStrategy, the guards). The
 * ways to get a token are in sign-in/.
 */
@Module({
  imports: [SessionsModule, PassportModule, SigningKeysModule],
  controllers: [SessionCheckController],
  providers: [TokensService, JwtStrategy, JwtAuthGuard, RolesGuard],
  exports: [TokensService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
