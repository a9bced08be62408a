import { Module, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '../audit/audit.module';
import { RateLimitConfig } from '../config/config-sections';
import { AccountLimiter } from './account-limiter';
import { AUTH_RATE_LIMIT } from './auth-rate-limit.decorator';
import { BlockAuditor } from './block-auditor';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { KnownNetworkRepository } from './known-network.repository';
import { KnownNetworks } from './known-networks';
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
 * Abuse protection: the `default` and `auth` throttlers behind RateLimitGuard, the per-account
 * AccountLimiter and SecondFactorLimiter, and the MailQuota, all counting in one store
 * (docs/RATE-LIMITING.md). AppModule binds the guard as APP_GUARD.
 */
@Module({
  imports: [
    AuditModule,
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [RateLimitConfig, FallbackThrottlerStorage],
      useFactory: (limits: RateLimitConfig, storage: FallbackThrottlerStorage) => ({
        throttlers: [
          { name: 'default', limit: limits.max, ttl: limits.windowMs },
          {
            name: 'auth',
            limit: limits.authMax,
            ttl: limits.windowMs,
            skipIf: (c) => !isAuthLimited(c),
          },
        ],
        storage,
        setHeaders: false, // RateLimitGuard writes the standard RateLimit-* headers instead of X-RateLimit-*
      }),
    }),
  ],
  providers: [
    RateLimitGuard,
    AccountLimiter,
    SecondFactorLimiter,
    BlockAuditor,
    MailQuota,
    KnownNetworks,
    KnownNetworkRepository,
  ],
  exports: [RateLimitGuard, AccountLimiter, SecondFactorLimiter, MailQuota, KnownNetworks],
})
export class RateLimitModule {}
