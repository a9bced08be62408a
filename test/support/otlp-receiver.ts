import { createServer, type Server } from 'node:http';

/** One exported span, flattened from OTLP/HTTP JSON (ids are hex strings, attributes a plain map). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

/** One exported log record, flattened from OTLP/HTTP JSON, with the resource it came from. */
export interface ReceivedLogRecord {
  severityNumber: number | undefined;
  severityText: string | undefined;
  body: unknown;
  scope: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT (exporters append /v1/traces and /v1/logs). */
  url: string;
  /** Every trace export body received, verbatim: what a secret scan must search. */
  payloads: string[];
  /** Every log export body received, verbatim. */
  logPayloads: string[];
  spans(): ReceivedSpan[];
  logRecords(): ReceivedLogRecord[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
type OtlpAttributes = Array<{ key: string; value: OtlpValue }> | undefined;
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttributes;
}
interface OtlpTraceExport {
  resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}
interface OtlpLogRecord {
  severityNumber?: number;
  severityText?: string;
  body?: OtlpValue;
  attributes?: OtlpAttributes;
}
interface OtlpLogExport {
  resourceLogs: Array<{
    resource?: { attributes?: OtlpAttributes };
    scopeLogs: Array<{ scope: { name: string }; logRecords: OtlpLogRecord[] }>;
  }>;
}

/**
 * A stand-in collector: a plain node:http server taking OTLP/HTTP JSON on POST /v1/traces and
 * /v1/logs (what @opentelemetry/exporter-trace-otlp-http and exporter-logs-otlp-http send) and
 * answering 200 like a collector does; anything but JSON gets 415.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const payloads: string[] = [];
  const logPayloads: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const json = request.headers['content-type']?.startsWith('application/json');
      if (request.method === 'POST' && json) {
        if (request.url === '/v1/traces') payloads.push(body);
        if (request.url === '/v1/logs') logPayloads.push(body);
      }
      response.writeHead(json ? 200 : 415, { 'Content-Type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    payloads,
    logPayloads,
    spans: () =>
      payloads.flatMap((payload) => flattenSpans(JSON.parse(payload) as OtlpTraceExport)),
    logRecords: () =>
      logPayloads.flatMap((payload) => flattenLogs(JSON.parse(payload) as OtlpLogExport)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attributeMap(attributes: OtlpAttributes): Record<string, unknown> {
  return Object.fromEntries(
    (attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
  );
}

function flattenSpans(body: OtlpTraceExport): ReceivedSpan[] {
  return body.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        name: span.name,
        kind: span.kind,
        scope: scope.scope.name,
        attributes: attributeMap(span.attributes),
      })),
    ),
  );
}

function flattenLogs(body: OtlpLogExport): ReceivedLogRecord[] {
  return body.resourceLogs.flatMap((resourceLogs) => {
    const resource = attributeMap(resourceLogs.resource?.attributes);
    return resourceLogs.scopeLogs.flatMap((scope) =>
      scope.logRecords.map((record) => ({
        severityNumber: record.severityNumber,
        severityText: record.severityText,
        body: record.body ? Object.values(record.body)[0] : undefined,
        scope: scope.scope.name,
        attributes: attributeMap(record.attributes),
        resource,
      })),
    );
  });
}
