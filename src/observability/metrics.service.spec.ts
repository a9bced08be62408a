import { MetricsService } from './metrics.service';
import { PrometheusMetrics } from './prometheus-metrics';

function line(text: string, series: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(`${series} `));
}

describe('MetricsService with Prometheus', () => {
  let prometheus: PrometheusMetrics;
  let metrics: MetricsService;
  const scrape = async (): Promise<string> => (await prometheus.render()).body;

  beforeEach(() => {
    prometheus = new PrometheusMetrics();
    metrics = new MetricsService(prometheus);
  });

  it('counts audit event types that are auth outcomes, under their audit names', async () => {
    metrics.countAuditEvent('auth.login.failure');
    metrics.countAuditEvent('auth.login.failure');
    metrics.countAuditEvent('auth.refresh.reuse_detected');
    metrics.countAuditEvent('security.rate_limited');
    metrics.countAuditEvent('auth.mfa.failure');
    const text = await scrape();
    expect(line(text, 'auth_events_total{event="auth.login.failure"}')).toMatch(/ 2$/);
    expect(line(text, 'auth_events_total{event="auth.refresh.reuse_detected"}')).toMatch(/ 1$/);
    expect(line(text, 'auth_events_total{event="security.rate_limited"}')).toMatch(/ 1$/);
    expect(line(text, 'auth_events_total{event="auth.mfa.failure"}')).toMatch(/ 1$/);
  });

  it('starts every known outcome at 0 and ignores other event types', async () => {
    metrics.countAuditEvent('user.profile.updated');
    metrics.countAuditEvent('anything-else');
    const text = await scrape();
    expect(line(text, 'auth_events_total{event="auth.login.success"}')).toMatch(/ 0$/);
    expect(line(text, 'auth_events_total{event="auth.refresh"}')).toMatch(/ 0$/);
    expect(text).not.toContain('user.profile.updated');
    expect(text).not.toContain('anything-else');
  });

  it('counts security log records lost on their way to the collector, by reason, from 0', async () => {
    expect(line(await scrape(), 'log_records_dropped_total{reason="export_failed"}')).toMatch(
      / 0$/,
    );
    metrics.countDroppedLogRecords('export_failed', 12);
    metrics.countDroppedLogRecords('export_failed', 3);
    metrics.countDroppedLogRecords('queue_full', 1);
    const text = await scrape();
    expect(line(text, 'log_records_dropped_total{reason="export_failed"}')).toMatch(/ 15$/);
    expect(line(text, 'log_records_dropped_total{reason="queue_full"}')).toMatch(/ 1$/);
  });

  it('reads a registered gauge at scrape time, and reports NaN when the reading fails', async () => {
    let depth = 3;
    metrics.registerGauge({
      name: 'mail_outbox_depth',
      help: 'Mails waiting.',
      collect: () => depth,
    });
    metrics.registerGauge({
      name: 'broken_reading',
      help: 'A reading whose source is away.',
      collect: () => Promise.reject(new Error('database unreachable')),
    });
    expect(line(await scrape(), 'mail_outbox_depth')).toBe('mail_outbox_depth 3');
    depth = 7;
    const text = await scrape();
    expect(line(text, 'mail_outbox_depth')).toBe('mail_outbox_depth 7');
    // prom-client prints "Nan"; Prometheus parses any casing of NaN.
    expect(line(text, 'broken_reading')).toMatch(/^broken_reading nan$/i);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('labels requests by route template, with one label for unmatched routes, and counts 429s', async () => {
    prometheus.observeRequest('/api/users/:id', 'GET', 200, 12);
    prometheus.observeRequest('/api/users/:id', 'GET', 200, 30);
    prometheus.observeRequest(undefined, 'GET', 404, 1);
    prometheus.observeRequest('/api/auth/login', 'POST', 429, 2);
    const text = await scrape();
    const users = 'route="/api/users/:id",method="GET",status_code="200"';
    expect(line(text, `http_request_duration_seconds_count{${users}}`)).toMatch(/ 2$/);
    const sum = line(text, `http_request_duration_seconds_sum{${users}}`) ?? '';
    expect(Number(sum.split(' ').pop())).toBeCloseTo(0.042, 9);
    expect(line(text, `http_request_duration_seconds_bucket{le="0.025",${users}}`)).toMatch(/ 1$/);
    expect(
      line(
        text,
        'http_request_duration_seconds_count{route="unmatched",method="GET",status_code="404"}',
      ),
    ).toMatch(/ 1$/);
    expect(line(text, 'rate_limit_refusals_total{route="/api/auth/login"}')).toMatch(/ 1$/);
    expect(text).not.toContain('rate_limit_refusals_total{route="/api/users/:id"}');
  });

  it('keeps each application’s series apart (own registry, not the global one)', async () => {
    const other = new PrometheusMetrics();
    prometheus.observeRequest('/a', 'GET', 200, 1);
    expect(await scrape()).toContain('route="/a"');
    expect((await other.render()).body).not.toContain('route="/a"');
  });
});

describe('MetricsService without METRICS_PORT', () => {
  it('is disabled and every call is a no-op', () => {
    const metrics = new MetricsService(undefined);
    expect(metrics.enabled).toBe(false);
    expect(() => metrics.countAuditEvent('auth.login.failure')).not.toThrow();
    const collect = jest.fn(() => 1);
    metrics.registerGauge({ name: 'never_read', help: 'x', collect });
    expect(collect).not.toHaveBeenCalled();
  });
});
