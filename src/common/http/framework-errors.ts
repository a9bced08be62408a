import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../filters/all-exceptions.filter';
import { PRE_ROUTING_HEADERS } from './security-headers';

const logger = new Logger('Exceptions');

/**
 * Fastify answers a malformed URL (FST_ERR_BAD_URL) or an over-long path parameter
 * (FST_ERR_MAX_PARAM_LENGTH) before any hook or Nest filter runs, with its own body that echoes the
 * path and carries no security header. This sends the uniform error body instead, with the request
 * id and the headers every answer carries.
 */
export function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void reply.headers({ ...PRE_ROUTING_HEADERS, 'X-Request-Id': request.id });
  sendError(error, request, reply, logger);
}
