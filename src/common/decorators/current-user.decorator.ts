import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The caller's account as read with the session check: enough for GET /users/me without a second query. */
export interface CallerAccount {
  id: string;
  email: string;
  username: string;
  role: 'user' | 'admin';
  isActive: boolean;
  birthDate: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who the caller is, worked out once by the JwtAuthGuard from the token and one database read. */
export interface AuthenticatedUser {
  id: string;
  role: 'user' | 'admin';
  sessionId: string;
  account: CallerAccount;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedUser =>
    ctx.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
