import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling from where, and on which route: what audit events and the security log record. */
export interface ClientContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
  /** The matched route, e.g. `POST /api/auth/login` (the pattern, never the raw URL). */
  route: string;
}

export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip, // the socket address unless TRUST_PROXY names the proxies to trust
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
    requestId: request.id,
    route: routeOf(request),
  };
}

/** `METHOD /pattern` of the route Fastify matched (`/api/users/:id`), or of the raw path when none did. */
export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions?.url ?? request.url.split('?', 1)[0]}`;
}

/** `@Client() client: ClientContext` in a handler. */
export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientContext =>
  clientContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
