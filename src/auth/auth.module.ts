import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { durationToSeconds } from '../common/time/duration';
import { Env } from '../config/env.schema';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { hmacKey } from './jwt-key';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

@Module({
  imports: [
    UsersModule,
    RateLimitModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [Env],
      useFactory: (env: Env) => ({
        secret: hmacKey(env.JWT_SECRET) as unknown as string,
        signOptions: {
          algorithm: 'HS256',
          expiresIn: durationToSeconds(env.JWT_ACCESS_TTL),
          notBefore: 0,
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
          header: { alg: 'HS256', typ: 'at+jwt' },
        },
      }),
    }),
  ],
  controllers: [AuthController, AccountController],
  providers: [
    AuthService,
    SessionsService,
    TokensService,
    JwtStrategy,
    JwtAuthGuard,
    RolesGuard,
    AdminBootstrapService,
  ],
  exports: [JwtAuthGuard, RolesGuard, AdminBootstrapService],
})
export class AuthModule {}
