import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isMultiFactor } from '../common/auth/authentication-methods';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { Role } from '../common/auth/role';
import { ROLES_KEY } from '../common/decorators/route-access.decorator';
import { MfaConfig } from '../config/config-sections';

export const SECOND_FACTOR_REQUIRED =
  'This operation needs a sign-in with a second factor (MFA_REQUIRED_FOR_ADMINS)';

/**
 * Runs after JwtAuthGuard: the role comes from the database read, never from the token. With
 * MFA_REQUIRED_FOR_ADMINS, an admin route also needs a session opened with two factors (its `amr`).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly adminsNeedMfa: boolean;

  constructor(
    private readonly reflector: Reflector,
    mfa: MfaConfig,
  ) {
    this.adminsNeedMfa = mfa.requiredForAdmins;
  }

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (!user || !roles.includes(user.role))
      throw new ForbiddenException('This operation needs the admin role');
    if (this.adminsNeedMfa && roles.includes('admin') && !isMultiFactor(user.amr))
      throw new ForbiddenException(SECOND_FACTOR_REQUIRED);
    return true;
  }
}
