import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';
import { AuditModule } from './audit/audit.module';
import { SecurityLoggingInterceptor } from './logging/security-logging.interceptor';
import { appLoggerFor } from './logging/app-logger';
import { AccountModule } from './account/account.module';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { RolesGuard } from './auth/roles.guard';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfigModule } from './config/config.module';
import { configOf } from './config/config-of';
import type { Env } from './config/env.schema';
import { DatabaseModule } from './database/database.module';
import { RedisModule } from './redis/redis.module';
import { RetentionModule } from './retention/retention.module';
import { HealthModule } from './health/health.module';
import { KeyRotationModule } from './key-rotation/key-rotation.module';
import { ObservabilityModule } from './observability/observability.module';
import { MailModule } from './mail/mail.module';
import { MfaModule } from './mfa/mfa.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionsModule } from './sessions/sessions.module';
import { SignInModule } from './sign-in/sign-in.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** The root module is built from an already validated Env, so tests can start apps with their own. */
  static forRoot(env: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        DatabaseModule,
        RedisModule,
        HealthModule,
        SessionsModule,
        UsersModule,
        AuthModule,
        SignInModule,
        AccountModule,
        MfaModule,
        KeyRotationModule,
        RetentionModule,
        AuditModule,
        RateLimitModule,
        ObservabilityModule,
        MailModule,
      ],
      providers: [
        // The logger createApp hands to NestFactory, injectable under nest-winston's token.
        { provide: WINSTON_MODULE_NEST_PROVIDER, useValue: appLoggerFor(configOf(env).logging) },
        // Guards run in the order listed: rate limiting first, so a request that fails authentication
        // (a wrong password, a bad token) still counts; then authentication; then authorisation.
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: SecurityLoggingInterceptor },
      ],
    };
  }
}
