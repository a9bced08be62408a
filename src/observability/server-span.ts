import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';

const SERVER_SPAN = Symbol('observability.serverSpan');

type WithServerSpan = IncomingMessage & { [SERVER_SPAN]?: Span };

/**
 * The HTTP instrumentation hands us the request's server span when it starts it; Fastify's hooks run
 * later, under child spans (@fastify/otel's), and OpenTelemetry offers no way to walk up to a parent.
 * So the span is kept on the raw request. Type-only import: this file loads no OpenTelemetry code.
 */
export function keepServerSpan(request: IncomingMessage, span: Span): void {
  (request as WithServerSpan)[SERVER_SPAN] = span;
}

export function serverSpanOf(request: IncomingMessage): Span | undefined {
  return (request as WithServerSpan)[SERVER_SPAN];
}
