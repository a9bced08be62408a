import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';

/** What a 503 tells the caller: the service recovers by itself, try again in this many seconds. */
export const RETRY_AFTER_SECONDS = 5;
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; retry shortly';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
}

// Errors raised by Fastify itself, before Nest sees the request, mapped to caller-safe messages.
const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Request body exceeds the 100 KiB limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Content-Type must be application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Request body is empty but Content-Type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'Request body is not valid JSON'],
  FST_ERR_BAD_URL: [400, 'Malformed URL'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'URL parameter is too long'],
};

/**
 * The one mapping from anything thrown to the uniform error body. Only HttpException messages
 * written by this codebase reach the caller; everything else becomes a generic 500, or a 503 when
 * `isUnavailable` says a dependency is away.
 */
export function toErrorResponse(
  exception: unknown,
  requestId: string,
  isUnavailable: (error: unknown) => boolean = () => false,
): ErrorBody {
  // Nest's Fastify adapter wraps Fastify's own client errors in an HttpException carrying Fastify's
  // text; the original error, with its code, is the cause. Map it as if it had arrived unwrapped.
  const fastifyError =
    exception instanceof HttpException && isFastifyError(exception.cause)
      ? exception.cause
      : exception;
  if (exception instanceof HttpException && fastifyError === exception) {
    const status = exception.getStatus();
    return body(status, messageOf(exception.getResponse(), status), requestId);
  }
  const code = (fastifyError as { code?: unknown })?.code;
  if (typeof code === 'string' && code in FASTIFY_ERRORS) {
    const [status, message] = FASTIFY_ERRORS[code];
    return body(status, message, requestId);
  }
  if (isUnavailable(exception)) {
    return body(HttpStatus.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, requestId);
  }
  const status = (fastifyError as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A client error from a Fastify plugin: its status is safe to pass on, its text is not.
    return body(status, STATUS_CODES[status] ?? 'Bad Request', requestId);
  }
  return body(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', requestId);
}

function isFastifyError(error: unknown): error is Error & { code: string; statusCode: number } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('FST_');
}

function body(statusCode: number, message: string | string[], requestId: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
}

function messageOf(response: string | object, status: number): string | string[] {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  // The router's "Cannot GET /path" would reflect caller input back; say it without the path.
  if (typeof message === 'string' && status === 404 && /^Cannot [A-Z]+ /.test(message))
    return 'Route not found';
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.every((m) => typeof m === 'string')) return message;
  return STATUS_CODES[status] ?? 'Error';
}
