import { ExecutionContext, HttpException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '../common/decorators/route-access.decorator';

export const UNAUTHENTICATED = 'Missing, invalid or expired access token';

/** Global: every route needs a valid access token unless it is marked @PublicRoute(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  // A database outage while checking the session is a 5xx, not a reason to call the token bad.
  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error instanceof HttpException) throw error;
    if (error)
      throw error instanceof Error ? error : new Error('authentication failed unexpectedly');
    if (!user) throw new UnauthorizedException(UNAUTHENTICATED);
    return user;
  }
}
