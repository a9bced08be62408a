import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMIT = 'rateLimit:auth';

/**
 * Puts a route under the `auth` throttler as well: AUTH_RATE_LIMIT_MAX requests per client IP per
 * RATE_LIMIT_WINDOW_MS, counted per route. For POST /api/auth/login and /register.
 */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTH_RATE_LIMIT, true);

export const PER_TOKEN_RATE_LIMIT = 'rateLimit:perToken';

/**
 * Counts the route's requests per access token instead of per client IP (RATE_LIMIT_MAX per
 * window for each token): for GET /api/auth/session, which other services call from a few
 * addresses on behalf of many users.
 */
export const RateLimitPerToken = (): MethodDecorator & ClassDecorator =>
  SetMetadata(PER_TOKEN_RATE_LIMIT, true);
