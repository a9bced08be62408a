import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling from where: what the audit trail and security log record with each event. */
export interface ClientContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip, // the socket address unless TRUST_PROXY names the proxies to trust
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
    requestId: request.id,
  };
}

/** `@Client() client: ClientContext` in a handler. */
export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientContext =>
  clientContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
