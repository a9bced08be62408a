import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who the caller is, worked out once by the JwtAuthGuard from the token and one database read. */
export interface AuthenticatedUser {
  id: string;
  role: 'user' | 'admin';
  sessionId: string;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedUser => ctx.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
