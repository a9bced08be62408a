import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES_KEY } from '../common/decorators/roles.decorator';

type Caller = { role?: unknown; roles?: unknown };

/**
 * Fail-closed check on the audit controller, independent of the global guards: with no JwtAuthGuard
 * (or before one sets request.user) the audit trail answers 401, never 200. Next to the global
 * RolesGuard it is redundant defence in depth. Accepts `user.role` or `user.roles` holding a role
 * named by @Roles().
 */
@Injectable()
export class AuditAccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required =
      this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const user = context.switchToHttp().getRequest<{ user?: Caller }>().user;
    if (!user) throw new UnauthorizedException('Authentication required');
    const held: unknown[] = [
      user.role,
      ...(Array.isArray(user.roles) ? (user.roles as unknown[]) : []),
    ];
    if (required.length === 0 || !required.some((role) => held.includes(role)))
      throw new ForbiddenException('Insufficient role');
    return true;
  }
}
