import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../filters/all-exceptions.filter';
import { PRE_ROUTING_HEADERS } from './security-headers';
import { randomId } from '../../crypto/random';

const logger = new Logger('Exceptions');

/**
 * Fastify answers a malformed URL (FST_ERR_BAD_URL) or an over-long path parameter
 * (FST_ERR_MAX_PARAM_LENGTH) before any hook or Nest filter runs, with its own body that echoes the
 * path and carries no security header. This sends the uniform error body instead, with the request
 * id and the headers every answer carries.
 */
export function onFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.headers({ ...PRE_ROUTING_HEADERS, 'X-Request-Id': request.id });
  sendError(error, request, reply, logger);
}

// Node's HTTP parser rejects these before Fastify sees a request (e.g. headers over 16 KiB → 431).
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_URI_TOO_LONG: 414,
};

/**
 * Fastify's clientErrorHandler: the connection never became a request, so there is no reply object.
 * Answer with the same uniform body and headers as every other error, then close the socket.
 */
export function onClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const statusCode = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
  const requestId = randomId();
  const body = JSON.stringify({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Bad Request',
    message: statusCode === 431 ? 'Request headers are too large' : 'Malformed HTTP request',
    requestId,
  });
  const headers = {
    ...PRE_ROUTING_HEADERS,
    'X-Request-Id': requestId,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n${head}\r\n\r\n${body}`);
}
