import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { WinstonModule } from 'nest-winston';
import { appLoggerOptions } from './audit/logging/winston.config';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfigModule } from './config/config.module';
import type { Env } from './config/env.schema';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';

@Module({})
export class AppModule {
  /** The root module is built from an already validated Env, so tests can start apps with their own. */
  static forRoot(env: Env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        WinstonModule.forRoot(appLoggerOptions(env)),
        DatabaseModule,
        HealthModule,
        RateLimitModule,
      ],
      providers: [
        // Guards run in the order listed here. Rate limiting comes first, before authentication, so a
        // request that fails auth (a wrong password, a bad token) still counts against its limits.
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
