import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMIT = 'rateLimit:auth';

/**
 * Puts a route under the `auth` throttler as well: AUTH_RATE_LIMIT_MAX requests per client IP per
 * RATE_LIMIT_WINDOW_MS, counted per route. For POST /api/auth/login and /register.
 */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTH_RATE_LIMIT, true);
