import { Module, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuditModule } from '../audit/audit.module';
import { Env } from '../config/env.schema';
import { AUTH_RATE_LIMIT } from './auth-rate-limit.decorator';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';
import { LoginFailureLimiter } from './login-failure.limiter';
import { RateLimitRedis } from './rate-limit-redis';
import { RateLimitGuard } from './rate-limit.guard';

/** Owns the one Redis connection, so the throttler options factory and the limiter share it. */
@Module({ providers: [RateLimitRedis], exports: [RateLimitRedis] })
export class RateLimitRedisModule {}

const reflector = new Reflector();
const isAuthLimited = (context: ExecutionContext): boolean =>
  reflector.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMIT, [
    context.getHandler(),
    context.getClass(),
  ]) === true;

/**
 * Abuse protection (API.md "Rate limits"): the `default` and `auth` throttlers behind
 * RateLimitGuard, and the per-account LoginFailureLimiter. AppModule binds the guard as APP_GUARD.
 */
@Module({
  imports: [
    AuditModule,
    RateLimitRedisModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitRedisModule],
      inject: [Env, RateLimitRedis],
      useFactory: (env: Env, redis: RateLimitRedis) => ({
        throttlers: [
          { name: 'default', limit: env.RATE_LIMIT_MAX, ttl: env.RATE_LIMIT_WINDOW_MS },
          {
            name: 'auth',
            limit: env.AUTH_RATE_LIMIT_MAX,
            ttl: env.RATE_LIMIT_WINDOW_MS,
            skipIf: (c) => !isAuthLimited(c),
          },
        ],
        storage: new FallbackThrottlerStorage(redis),
        setHeaders: false, // RateLimitGuard writes the standard RateLimit-* headers instead of X-RateLimit-*
      }),
    }),
  ],
  providers: [RateLimitGuard, LoginFailureLimiter],
  exports: [RateLimitGuard, LoginFailureLimiter],
})
export class RateLimitModule {}
