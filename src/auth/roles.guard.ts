import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isMultiFactor } from '../common/auth/authentication-methods';
import type { AuthenticatedUser } from '../common/auth/principal';
import type { Role } from '../common/auth/role';
import { BEFORE_SECOND_FACTOR, ROLES_KEY } from '../common/decorators/route-access.decorator';
import { MfaConfig } from '../config/config-sections';

export const SECOND_FACTOR_REQUIRED =
  'This operation needs a sign-in with a second factor (MFA_REQUIRED_FOR_ADMINS)';
export const ENROL_SECOND_FACTOR =
  'This service requires a second factor (MFA_REQUIRED_FOR_ALL): set up an authenticator app or a passkey, then sign in with it';

/**
 * Runs after JwtAuthGuard: the role comes from the database read, never from the token. With
 * MFA_REQUIRED_FOR_ADMINS, an admin route also needs a session opened with two factors (its `amr`);
 * with MFA_REQUIRED_FOR_ALL every authenticated route does, but those marked @OpenBeforeSecondFactor().
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly adminsNeedMfa: boolean;
  private readonly everyoneNeedsMfa: boolean;

  constructor(
    private readonly reflector: Reflector,
    mfa: MfaConfig,
  ) {
    this.adminsNeedMfa = mfa.requiredForAdmins;
    this.everyoneNeedsMfa = mfa.requiredForAll;
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (
      this.everyoneNeedsMfa &&
      user &&
      !isMultiFactor(user.amr) &&
      !this.reflector.getAllAndOverride<boolean>(BEFORE_SECOND_FACTOR, targets)
    )
      throw new ForbiddenException(ENROL_SECOND_FACTOR);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || roles.length === 0) return true;
    if (!user || !roles.includes(user.role))
      throw new ForbiddenException('This operation needs the admin role');
    if (this.adminsNeedMfa && roles.includes('admin') && !isMultiFactor(user.amr))
      throw new ForbiddenException(SECOND_FACTOR_REQUIRED);
    return true;
  }
}
