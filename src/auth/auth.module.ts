import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import { AuditModule } from '../audit/audit.module';
import { TokensConfig } from '../config/config-sections';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { MfaModule } from '../mfa/mfa.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { MfaSignInController } from './mfa-sign-in.controller';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { SignInService } from './sign-in.service';
import { JWT_KEY, JwtKeyModule } from './jwt-key.module';
import { JwtStrategy } from './jwt.strategy';
import { AccountTokenRepository } from './lifecycle/account-token.repository';
import { AccountTokensService } from './lifecycle/account-tokens.service';
import { DeferredWork } from './lifecycle/deferred-work';
import { EmailChangeService } from './lifecycle/email-change.service';
import { EmailVerificationService } from './lifecycle/email-verification.service';
import { KnownDeviceRepository } from './lifecycle/known-device.repository';
import { LifecycleController } from './lifecycle/lifecycle.controller';
import { PasswordResetService } from './lifecycle/password-reset.service';
import { SigninChecksService } from './lifecycle/signin-checks.service';
import { PasswordService } from './password.service';
import { RegistrationService } from './registration.service';
import { RolesGuard } from './roles.guard';
import { TokensService } from './tokens.service';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    CryptoModule,
    AuditModule,
    RateLimitModule,
    MailModule,
    MfaModule,
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
  controllers: [
    AuthController,
    AccountController,
    MfaSignInController,
    PasskeySignInController,
    LifecycleController,
  ],
  providers: [
    AuthService,
    RegistrationService,
    PasswordService,
    TokensService,
    SignInService,
    JwtStrategy,
    JwtAuthGuard,
    RolesGuard,
    AdminBootstrapService,
    AccountTokenRepository,
    AccountTokensService,
    KnownDeviceRepository,
    DeferredWork,
    EmailVerificationService,
    PasswordResetService,
    EmailChangeService,
    SigninChecksService,
  ],
  exports: [JwtAuthGuard, RolesGuard, AdminBootstrapService],
})
export class AuthModule {}
