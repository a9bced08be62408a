import { ForbiddenException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPair } from '../auth/dto/token-pair.dto';
import { SIGN_IN_ERRORS } from './sign-in-errors';
import type { SignedIn } from './sign-in.service';

/**
 * `__Host-`: browsers accept it only Secure, with `Path=/` and no `Domain`, so no sibling subdomain
 * and no plain-HTTP page can set or shadow it.
 */
export const REFRESH_COOKIE = '__Host-refresh_token';
const COOKIE = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' } as const;

/** The request header by which a browser asks for the refresh token in the cookie only. */
export const TOKEN_DELIVERY_HEADER = 'x-token-delivery';

/** What every route that answers a token pair returns: no refresh token when only the cookie carries it. */
export type DeliveredTokens = Omit<TokenPair, 'refreshToken'> & { refreshToken?: string };

/**
 * Sets the refresh cookie of a sign-in and answers its token pair. HttpOnly (no script reads it),
 * Secure, SameSite=Strict (no cross-site sends). With `X-Token-Delivery: cookie` the refresh token
 * travels in the cookie alone, out of reach of the page's scripts.
 */
export function answerSignedIn(
  reply: FastifyReply,
  { pair, cookieMaxAge }: SignedIn,
): DeliveredTokens {
  reply.setCookie(REFRESH_COOKIE, pair.refreshToken, { ...COOKIE, maxAge: cookieMaxAge });
  if (reply.request.headers[TOKEN_DELIVERY_HEADER] !== 'cookie') return pair;
  const { refreshToken: _inTheCookie, ...rest } = pair;
  return rest;
}

/**
 * Ends the browser's copy of the session: the refresh cookie expires, and `Clear-Site-Data` drops
 * what the browser cached or stored for the site. Not `"cookies"`: that would clear every cookie of
 * the whole registrable domain, other services' included.
 */
export function clearRefreshCookie(reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, COOKIE);
  void reply.header('Clear-Site-Data', '"cache", "storage"');
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
