import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';

const PATH = '/health/live';
const ALIVE = JSON.stringify({ status: 'ok' });

/**
 * GET /health/live as a plain Fastify route: it touches no dependency, so it needs none of Nest's
 * guards, pipes or interceptors, and answers from a string made once. It still passes the hooks
 * every answer passes (security headers, request id, the security log on a failure).
 */
export function registerLiveness(fastify: FastifyInstance): void {
  fastify.get(PATH, (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(ALIVE);
  });
}

/** The route in the OpenAPI document: Nest's explorer never sees a plain Fastify route. */
export function describeLiveness(document: OpenAPIObject): void {
  document.paths[PATH] = {
    get: {
      operationId: 'Health_live',
      summary: 'Liveness: the process answers; touches no dependency',
      tags: ['health'],
      security: [{}], // public: written as `[]` by applyRouteAccess, like a @PublicRoute()
      responses: {
        '200': {
          description: 'Alive',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { status: { type: 'string', example: 'ok' } },
                required: ['status'],
              },
            },
          },
        },
      },
    },
  };
}
