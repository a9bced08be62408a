import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
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

  // A database outage while checking the session is the exception filter's (503), not a reason
  // to call the token bad: whatever the check threw goes on unchanged.
  override handleRequest<T>(error: unknown, user: T | false): T {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as received, realm-independent
    if (error) throw error;
    if (!user) throw new UnauthorizedException(UNAUTHENTICATED);
    return user;
  }
}
