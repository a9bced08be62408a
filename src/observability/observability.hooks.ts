import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsService } from './metrics.service';
import { serverSpanOf } from './server-span';
import { tracingActive } from './tracing';

/** Span attributes: the id the client sees in X-Request-Id, and the authenticated user's id. */
export const ATTR_REQUEST_ID = 'request.id';
export const ATTR_USER_ID = 'user.id';

type AuthenticatedRequest = FastifyRequest & { user?: { id?: unknown } };

/**
 * Adds a Fastify hook only for what is switched on: nothing at all with neither METRICS_PORT nor
 * OTEL_EXPORTER_OTLP_ENDPOINT set. Metrics observe every response from one onResponse hook (404s
 * and bodies Fastify refused before Nest included); its one allocation is the routeOptions object
 * Fastify builds on access, which gives the route template.
 */
export function registerObservabilityHooks(
  fastify: FastifyInstance,
  metrics: MetricsService,
): void {
  const sink = metrics.sink;
  if (sink) {
    fastify.addHook('onResponse', (request, reply, done) => {
      try {
        sink.observeRequest(
          request.routeOptions.url,
          request.method,
          reply.statusCode,
          reply.elapsedTime,
        );
      } finally {
        done();
      }
    });
  }
  if (tracingActive()) fastify.addHook('onSend', annotateServerSpan);
}

/**
 * onSend, not onResponse: the HTTP instrumentation ends the server span as the response finishes,
 * before Fastify's onResponse hooks run; by onSend the guards have run, so the user is known.
 */
function annotateServerSpan(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload: unknown) => void,
): void {
  const span = serverSpanOf(request.raw);
  if (span) {
    span.setAttribute(ATTR_REQUEST_ID, request.id);
    const userId = (request as AuthenticatedRequest).user?.id;
    if (typeof userId === 'string') span.setAttribute(ATTR_USER_ID, userId);
  }
  done(null, payload);
}
