import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { redactAttributes, RedactingSpanExporter } from './span-redaction';

describe('redactAttributes', () => {
  it('cuts query strings and fragments off URL attributes and drops url.query', () => {
    expect(
      redactAttributes({
        'url.full': 'https://api.example.org/api/users/me?access_token=abc#x',
        'url.path': '/reset-password?token=abc',
        'http.target': '/verify-email?token=abc',
        'url.query': 'access_token=abc',
        'http.route': '/api/users/:id',
      }),
    ).toEqual({
      'url.full': 'https://api.example.org/api/users/me',
      'url.path': '/reset-password',
      'http.target': '/verify-email',
      'http.route': '/api/users/:id',
    });
  });

  it('drops header captures and credential-named attributes', () => {
    expect(
      redactAttributes({
        'http.request.header.authorization': ['Bearer abc'],
        'http.request.header.cookie': ['refresh_token=abc'],
        'app.refreshToken': 'abc',
        'db.user': 'app',
        'user.id': 'u1',
      }),
    ).toEqual({ 'db.user': 'app', 'user.id': 'u1' });
  });

  it('masks SQL password literals and URL credentials, leaving other values alone', () => {
    expect(
      redactAttributes({
        'db.query.text': "CREATE ROLE app LOGIN PASSWORD 'p''w1' NOSUPERUSER",
        'db.statement': "ALTER ROLE app PASSWORD E'x'",
        'db.connection_string': 'postgresql://app:pw@db.internal:5432/app',
        'server.port': 5432,
        enabled: true,
      }),
    ).toEqual({
      'db.query.text': "CREATE ROLE app LOGIN PASSWORD '[REDACTED]' NOSUPERUSER",
      'db.statement': "ALTER ROLE app PASSWORD '[REDACTED]'",
      'db.connection_string': 'postgresql://db.internal:5432/app',
      'server.port': 5432,
      enabled: true,
    });
  });
});

describe('RedactingSpanExporter in a real tracer provider', () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(memory) })],
  });
  const tracer = provider.getTracer('test');

  afterAll(() => provider.shutdown());

  it('exports the span with its identity and timing, minus secrets and error messages', () => {
    const parent = tracer.startSpan('parent');
    const span = tracer.startSpan(
      'GET /api/users/me',
      {
        kind: SpanKind.SERVER,
        attributes: { 'url.path': '/api/users/me', 'url.query': 'access_token=abc' },
      },
      trace.setSpan(context.active(), parent),
    );
    const error = new SyntaxError(
      'Unexpected token \'H\', ..."password":Hunter-Sec"... is not valid JSON',
    );
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
    parent.end();

    const [exported] = memory.getFinishedSpans();
    expect(exported.name).toBe('GET /api/users/me');
    expect(exported.kind).toBe(SpanKind.SERVER);
    expect(exported.spanContext().traceId).toBe(span.spanContext().traceId);
    expect(exported.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(exported.attributes).toEqual({ 'url.path': '/api/users/me' });
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR });
    const [event] = exported.events;
    expect(event.name).toBe('exception');
    expect(event.attributes?.['exception.type']).toBe('SyntaxError');
    expect(event.attributes?.['exception.message']).toBeUndefined();
    expect(String(event.attributes?.['exception.stacktrace'])).toMatch(/^\s+at /);
    expect(JSON.stringify(exported.events)).not.toContain('Hunter');
  });
});
