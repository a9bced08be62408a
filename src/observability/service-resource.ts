import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';

export const SERVICE_NAME = 'secure-nest-foundation';

/** package.json is two levels up from both src/observability and dist/observability. */
function serviceVersion(): string {
  const path = join(__dirname, '..', '..', 'package.json');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed path: our manifest
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * Who sends the telemetry, the same for traces and logs so a collector joins them: the SDK's
 * defaults (telemetry.sdk.*), the package's version, what NodeSDK detects (OTEL_RESOURCE_ATTRIBUTES
 * and OTEL_SERVICE_NAME, process, host), and this service's name unless OTEL_SERVICE_NAME gives one.
 * Loaded only with OTEL_EXPORTER_OTLP_ENDPOINT set (by tracing-sdk.ts and the log shipping).
 */
export function serviceResource(): Resource {
  const named = process.env.OTEL_SERVICE_NAME ? {} : { 'service.name': SERVICE_NAME };
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.version': serviceVersion() }))
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
    .merge(resourceFromAttributes(named));
}
