import { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { JsonDiagLogger } from './json-diag-logger';
import { instrumentNest } from './nest-instrumentation';
import { RedactingSpanExporter } from './span-redaction';
import { keepServerSpan } from './server-span';
import { serviceResource } from './service-resource';

export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** An unreachable collector must not hold the shutdown for the exporter's full timeout. */
const SHUTDOWN_FLUSH_MS = 5_000;

/**
 * Traces only (no OTel metrics: Prometheus owns those; the security log ships its own records, see
 * logging/otlp-log-shipping.ts), over OTLP/HTTP JSON to
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. The standard OTEL_* variables the SDK reads itself
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*) still apply.
 * Loaded only by tracing.ts, and only when tracing is on.
 */
export function startTracing(options: { metricsPort?: number }): TracingHandle {
  const nest = new NestInstrumentation();
  const sdk = new NodeSDK({
    // The resource the security log's records carry too (service name and version, process, host).
    resource: serviceResource(),
    autoDetectResources: false,
    traceExporter: new RedactingSpanExporter(new OTLPTraceExporter()),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        requestHook: (span, request) => {
          if (request instanceof IncomingMessage) keepServerSpan(request, span);
        },
        // Scrapes of the metrics listener are not application traffic.
        ignoreIncomingRequestHook: (request) =>
          options.metricsPort !== undefined && request.socket.localPort === options.metricsPort,
      }),
      // Fastify's own diagnostics channel hands it every instance, however Fastify was loaded. One
      // span for the request and one for the route handler; not one per hook (a dozen per request).
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
      nest,
      new PgInstrumentation({
        // No values of parameterised queries, no SQL comments, and no span for queries outside a
        // request (start-up: migrations, the embedded cluster's role set-up).
        enhancedDatabaseReporting: false,
        addSqlCommenterCommentToQueries: false,
        requireParentSpan: true,
      }),
      new IORedisInstrumentation({
        // The command name only: rate-limit keys and values stay out of the trace.
        dbStatementSerializer: (command) => command,
        requireParentSpan: true,
      }),
    ],
  });
  // Export failures and instrumentation errors as JSON lines, like every other line; after the SDK's
  // constructor, which would install its plain-text console logger when OTEL_LOG_LEVEL is set.
  diag.setLogger(new JsonDiagLogger(), {
    logLevel: diagLogLevelFromString(process.env.OTEL_LOG_LEVEL) ?? DiagLogLevel.ERROR,
  });
  sdk.start();
  instrumentNest(nest);
  return {
    shutdown: () =>
      Promise.race([
        // A collector that refuses the last batch is reported, never a reason to fail the shutdown.
        sdk.shutdown().catch((error: unknown) => diag.error('final span export failed', error)),
        new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()),
      ]),
  };
}
