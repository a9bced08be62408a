import { SetMetadata } from '@nestjs/common';

export const ROLES_KEY = 'roles';

/** Restricts a route to the given roles; enforced by the global RolesGuard after authentication. */
export const Roles = (...roles: Array<'user' | 'admin'>): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);
