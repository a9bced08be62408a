import { Module, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '../audit/audit.module';
import { Env } from '../config/env.schema';
import { AccountLimiter } from './account-limiter';
import { AUTH_RATE_LIMIT } from './auth-rate-limit.decorator';
import { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { MailQuota } from './mail-quota';
import { RateLimitGuard } from './rate-limit.guard';
import { SecondFactorLimiter } from './second-factor-limiter';

/** The one counter store (Redis with its memory fallback) behind every limit. */
@Module({ providers: [FallbackThrottlerStorage], exports: [FallbackThrottlerStorage] })
class RateLimitStorageModule {}

const reflector = new Reflector();
const isAuthLimited = (context: ExecutionContext): boolean =>
  reflector.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMIT, [
    context.getHandler(),
    context.getClass(),
  ]) === true;

/**
 * Abuse protection (API.md "Rate limits"): the `default` and `auth` throttlers behind
 * RateLimitGuard, the per-account AccountLimiter and SecondFactorLimiter, all counting in one store. AppModule binds
 * the guard as APP_GUARD.
 */
@Module({
  imports: [
    AuditModule,
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [Env, FallbackThrottlerStorage],
      useFactory: (env: Env, storage: FallbackThrottlerStorage) => ({
        throttlers: [
          { name: 'default', limit: env.RATE_LIMIT_MAX, ttl: env.RATE_LIMIT_WINDOW_MS },
          {
            name: 'auth',
            limit: env.AUTH_RATE_LIMIT_MAX,
            ttl: env.RATE_LIMIT_WINDOW_MS,
            skipIf: (c) => !isAuthLimited(c),
          },
        ],
        storage,
        setHeaders: false, // RateLimitGuard writes the standard RateLimit-* headers instead of X-RateLimit-*
      }),
    }),
  ],
  providers: [RateLimitGuard, AccountLimiter, SecondFactorLimiter, BlockAuditor, MailQuota],
  exports: [RateLimitGuard, AccountLimiter, SecondFactorLimiter, MailQuota],
})
export class RateLimitModule {}
