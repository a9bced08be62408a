import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { BEARER_OPTIONAL, IS_PUBLIC } from '../common/decorators/route-access.decorator';

export const UNAUTHENTICATED = 'Missing, invalid or expired access token';

/**
 * Global: every route needs a valid access token unless it is marked @PublicRoute(). A route marked
 * @BearerOrRefreshCookie() runs without one when the request carries no Authorization header at all;
 * a header it does carry must hold a valid token.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const optional = this.reflector.getAllAndOverride<boolean>(BEARER_OPTIONAL, targets);
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    if (optional && request.headers.authorization === undefined) return true;
    return super.canActivate(context);
  }

  // A database outage while checking the session is the exception filter's (503), not a reason
  // to call the token bad: whatever the check threw goes on unchanged.
  override handleRequest<T>(error: unknown, user: T | false): T {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as received, realm-independent
    if (error) throw error;
    if (!user) throw new UnauthorizedException(UNAUTHENTICATED);
    return user;
  }
}
