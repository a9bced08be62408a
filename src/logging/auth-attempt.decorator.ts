import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyContextConfig } from 'fastify';

declare module 'fastify' {
  /** The security log's classification of a route, carried in its Fastify route config. */
  interface FastifyContextConfig {
    securityLog?: 'auth-attempt';
  }
}

/**
 * Marks a route whose every request is an authentication attempt: the security log records each
 * one (`info`, or `warn` when it fails). Read from the route Fastify matched, never from the raw
 * URL, so `/api/auth/%6cogin` is the login route and is logged as one.
 */
export const AuthAttempt = (): MethodDecorator =>
  RouteConfig({ securityLog: 'auth-attempt' } satisfies FastifyContextConfig);
