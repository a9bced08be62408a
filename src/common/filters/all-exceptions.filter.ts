import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RETRY_AFTER_SECONDS, toErrorResponse } from '../http/error-response';
import { RateLimitExceededException } from '../http/rate-limit-exceeded.exception';
import { StepUpRequiredException } from '../http/step-up-required.exception';
import { UnavailableErrors } from '../http/unavailable-errors';

/**
 * Shapes every error the same way and never leaks internals: unexpected errors are logged in full
 * here, on the server, and the caller gets a generic 500 carrying the request id to quote.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  /** Provided by the database module (common/ imports no database code). */
  constructor(private readonly unavailable: UnavailableErrors) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
      this.unavailable,
    );
  }
}

export function sendError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
  // Fastify's own errors (framework-errors.ts) are never an outage.
  unavailable?: UnavailableErrors,
): void {
  const body = toErrorResponse(exception, request.id, (error) =>
    Boolean(unavailable?.matches(error)),
  );
  // Every response >= 400 is already a line in the security log (onResponse hook); only the detail
  // of a failure, which the caller must never see, is logged here. A database outage answers 503
  // to every request meanwhile: one short line each, not a stack trace each.
  if (body.statusCode === 503) {
    const detail = exception instanceof Error ? exception.message : String(exception);
    logger.warn({ message: 'service unavailable', requestId: request.id, detail });
    void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
  } else if (body.statusCode >= 500) {
    const detail = exception instanceof Error ? exception.stack : String(exception);
    logger.error({ message: 'unhandled error', requestId: request.id, detail });
  }
  if (
    exception instanceof RateLimitExceededException ||
    exception instanceof StepUpRequiredException
  )
    void reply.headers(exception.headers());
  void reply
    .status(body.statusCode)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}
