import type { Attributes, AttributeValue, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace';

/** Attributes whose value is a URL or a path: the query string (where tokens travel) is cut off. */
const URL_KEYS = new Set(['url.full', 'url.path', 'url.original', 'http.url', 'http.target']);
/** Never exported, whatever an instrumentation puts there. */
const DROPPED_KEYS = new Set(['url.query', 'url.fragment']);
/** Header captures and anything named like a credential. */
const SECRET_KEY = /authorization|cookie|password|passwd|secret|token|api[-_.]?key|\.header\./i;
/** A literal after PASSWORD in SQL (CREATE/ALTER ROLE … PASSWORD '…'). */
const SQL_PASSWORD = /\bPASSWORD\s+(E?'(?:[^']|'')*')/gi;
const SQL_KEYS = new Set(['db.statement', 'db.query.text']);
/** user:password@ in any URL-looking value (connection strings). */
const USERINFO = /\/\/[^/@\s]*@/g;

/**
 * The last line of defence before spans leave the process: whatever the instrumentations recorded,
 * no query string (access tokens, reset tokens), no credential-named attribute, no SQL password
 * literal, no URL userinfo, and no error message (JSON.parse quotes the body it refused, so an error
 * message can carry a submitted password) is exported. Exception events keep their type and stack
 * frames. Everything else passes through unchanged.
 */
export function redactAttributes(attributes: Attributes): Attributes {
  const clean: Attributes = {};
  for (const key of Object.keys(attributes)) {
    if (DROPPED_KEYS.has(key) || SECRET_KEY.test(key)) continue;
    clean[key] = redactValue(key, attributes[key]);
  }
  return clean;
}

function redactValue(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value !== 'string') return value;
  let text = value;
  if (URL_KEYS.has(key)) text = withoutQuery(text);
  if (SQL_KEYS.has(key)) text = text.replace(SQL_PASSWORD, "PASSWORD '[REDACTED]'");
  return text.includes('@') ? text.replace(USERINFO, '//') : text;
}

function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

function redactEvent(event: TimedEvent): TimedEvent {
  if (event.name !== 'exception') {
    return event.attributes ? { ...event, attributes: redactAttributes(event.attributes) } : event;
  }
  const attributes: Attributes = {};
  const type = event.attributes?.['exception.type'];
  const stack = event.attributes?.['exception.stacktrace'];
  if (type !== undefined) attributes['exception.type'] = type;
  if (typeof stack === 'string') attributes['exception.stacktrace'] = stackFrames(stack);
  return { ...event, attributes };
}

/** The stack without its first line(s): V8 prints the error message before the first frame. */
function stackFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .join('\n');
}

export function redactSpan(span: ReadableSpan): ReadableSpan {
  const status: SpanStatus = { code: span.status.code };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes: redactAttributes(span.attributes),
    links: span.links.map((link) =>
      link.attributes ? { ...link, attributes: redactAttributes(link.attributes) } : link,
    ),
    events: span.events.map(redactEvent),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Wraps the OTLP exporter: spans are redacted (above) on their way out, in the export batch. */
export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans.map(redactSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
