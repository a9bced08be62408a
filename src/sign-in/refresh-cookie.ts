import { ForbiddenException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPair } from '../auth/dto/token-pair.dto';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import type { SignedIn } from './sign-in.service';

export const REFRESH_COOKIE = 'refresh_token';
const COOKIE_PATH = '/api/auth';

/**
 * Sets the refresh cookie of a sign-in and answers its token pair. HttpOnly (no script reads it),
 * Secure, SameSite=Strict (no cross-site sends), scoped to /api/auth.
 */
export function answerSignedIn(reply: FastifyReply, { pair, cookieMaxAge }: SignedIn): TokenPair {
  reply.setCookie(REFRESH_COOKIE, pair.refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    maxAge: cookieMaxAge,
  });
  return pair;
}

export function clearRefreshCookie(reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
  });
}

/**
 * The refresh token from the cookie. SameSite=Strict keeps other sites' pages from sending it, but
 * sibling subdomains count as the same site: a page on any of them could rotate the token and log
 * out clients that hold the body token. So a cookie refresh from a foreign `Origin` (not the
 * service's own, not in CORS_ORIGINS) or marked `Sec-Fetch-Site: cross-site` is a 403.
 */
export function refreshCookieOf(
  request: FastifyRequest,
  trustedOrigins: ReadonlySet<string>,
): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const value = request.server.parseCookie(header)[REFRESH_COOKIE];
  if (typeof value !== 'string' || value.length === 0) return undefined;
  const { origin } = request.headers;
  if (
    request.headers['sec-fetch-site'] === 'cross-site' ||
    (origin !== undefined && !trustedOrigins.has(origin))
  )
    throw new ForbiddenException(SIGN_IN_ERRORS.CROSS_SITE_REFRESH);
  return value;
}
