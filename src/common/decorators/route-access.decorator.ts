import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { Role } from '../auth/role';
import { ApiErrors } from './api-errors.decorator';

/** Guard metadata: the route needs no access token. */
export const IS_PUBLIC = 'routeAccess:public';
/** Guard metadata: the roles allowed on the route (none = any authenticated caller). */
export const ROLES_KEY = 'routeAccess:roles';
/** Guard metadata: without an Authorization header the route runs anonymously (the handler has another credential). */
export const BEARER_OPTIONAL = 'routeAccess:bearerOptional';
/** Guard metadata: the route stays open to a one-factor session under MFA_REQUIRED_FOR_ALL. */
export const BEFORE_SECOND_FACTOR = 'routeAccess:beforeSecondFactor';
/** The OpenAPI security scheme every authenticated operation declares. */
export const BEARER_SCHEME = 'bearer';
/** The OpenAPI security scheme of the refresh cookie, the alternative @BearerOrRefreshCookie() routes take. */
export const REFRESH_COOKIE_SCHEME = 'refreshCookie';

/**
 * Each route says once who may call it, and the guards and the OpenAPI document both read that one
 * statement. Routes are closed by default: one with none of these still needs a token (the global
 * JwtAuthGuard), and the OpenAPI document marks it bearer too (openapi.document.ts).
 */

/** No access token needed. `security: [{}]` is OpenAPI's "anonymous allowed", written as `[]` in the document. */
export const PublicRoute = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));

/** A valid access token of a live session of an active user. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  applyDecorators(ApiBearerAuth(BEARER_SCHEME), ApiErrors(401));

/**
 * A bearer token if the request carries one (then it must be valid: 401 otherwise), else the refresh
 * cookie, which the handler itself checks. For `/logout`, which a browser holding only its
 * HttpOnly cookie must be able to call.
 */
export const BearerOrRefreshCookie = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(BEARER_OPTIONAL, true),
    ApiBearerAuth(BEARER_SCHEME),
    ApiSecurity(REFRESH_COOKIE_SCHEME),
    ApiErrors(401),
  );

/** Authenticated, and the caller's role (read from the database, never the token) is admin. */
export const AdminOnly = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, ['admin'] satisfies Role[]),
    Authenticated(),
    ApiErrors([403, 'The caller is not an admin']),
  );

/**
 * Under MFA_REQUIRED_FOR_ALL, a session signed in with one factor may still call this route: what
 * it takes to enrol a second factor (verify the address, set up TOTP or a passkey), see the
 * account, and sign out. Every other route answers 403 to it.
 */
export const OpenBeforeSecondFactor = (): MethodDecorator =>
  applyDecorators(SetMetadata(BEFORE_SECOND_FACTOR, true));
