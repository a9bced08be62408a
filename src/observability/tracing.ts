import { processEnv } from '../config/load-env';
import type { TracingHandle } from './tracing-sdk';

/**
 * Imported first by main.ts. With OTEL_EXPORTER_OTLP_ENDPOINT set it starts OpenTelemetry before any
 * module it instruments (http, pg, ioredis, Nest, Fastify) is loaded; without it, no OpenTelemetry
 * package is even required, so tracing costs nothing (memory, start-up, per request) when off.
 * The value is validated again, with every other variable, by loadEnv(); here a malformed one only
 * means tracing stays off, and loadEnv() then stops the start naming it.
 */
let handle: TracingHandle | undefined;

const env = processEnv();
const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (endpoint && /^https?:\/\//.test(endpoint)) {
  // A synchronous require, on purpose: instrumentation must be in place before main.ts's next import
  // (the application) loads the modules it patches, and a static import would load it when disabled.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  handle = sdk.startTracing({ metricsPort: Number(env.METRICS_PORT) || undefined });
}

export function tracingActive(): boolean {
  return handle !== undefined;
}

/** Exports the spans still buffered; called once, when the application shuts down. */
export async function shutdownTracing(): Promise<void> {
  const current = handle;
  handle = undefined;
  await current?.shutdown();
}
