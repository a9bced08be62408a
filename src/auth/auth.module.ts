import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { TokensConfig } from '../config/config-sections';
import { SessionsModule } from '../sessions/sessions.module';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JWT_KEY, JwtKeyModule } from './jwt-key.module';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { TokensService } from './tokens.service';

/**
 * Who is calling: access tokens minted (TokensService) and checked (JwtStrategy, the guards). The
 * ways to get a token are in sign-in/.
 */
@Module({
  imports: [
    SessionsModule,
    PassportModule,
    JwtKeyModule,
    JwtModule.registerAsync({
      imports: [JwtKeyModule],
      inject: [TokensConfig, JWT_KEY],
      useFactory: (tokens: TokensConfig, key: KeyObject) => ({
        secret: key,
        signOptions: {
          algorithm: 'HS256',
          expiresIn: tokens.accessTtlSeconds,
          notBefore: 0,
          issuer: tokens.issuer,
          audience: tokens.audience,
          header: { alg: 'HS256', typ: 'at+jwt' },
        },
      }),
    }),
  ],
  providers: [TokensService, JwtStrategy, JwtAuthGuard, RolesGuard],
  exports: [TokensService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
