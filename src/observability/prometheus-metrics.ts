import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AUTH_EVENTS } from './auth-events';
import {
  LOG_DROP_REASONS,
  type LogDropReason,
  type MetricsSink,
  type ScrapeGauge,
} from './metrics.service';

/** Requests Fastify answered without a matching route (404s, probes): one label value, not the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

type Observe = (seconds: number) => void;

/**
 * The Prometheus registry and every series of the service (docs/OPERATIONS.md "Metrics and
 * alerts" lists them). Loaded only when METRICS_PORT is set, so prom-client costs nothing
 * otherwise. Its own registry, not prom-client's global one: several applications in one process
 * (the e2e tests) stay apart.
 */
export class PrometheusMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template, method and status.',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused with 429 by a rate limit, by route template.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  private readonly authEvents = new Counter({
    name: 'auth_events_total',
    help: 'Authentication outcomes, by audit event type (the same names as GET /api/audit/events).',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly droppedLogRecords = new Counter({
    name: 'log_records_dropped_total',
    help: 'Security log records that never reached the OTLP collector, by reason (queue_full, export_failed).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** route → method → status → bound observer: no label object or key string built per request. */
  private readonly observers = new Map<string, Map<string, Map<number, Observe>>>();
  private readonly refusals = new Map<string, () => void>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every known outcome starts at 0, so rate() and increase() see the first event.
    for (const event of AUTH_EVENTS) this.authEvents.labels(event).inc(0);
    for (const reason of LOG_DROP_REASONS) this.droppedLogRecords.labels(reason).inc(0);
  }

  observeRequest(route: string | undefined, method: string, status: number, ms: number): void {
    const template = route ?? UNMATCHED_ROUTE;
    let byMethod = this.observers.get(template);
    if (!byMethod)
      this.observers.set(template, (byMethod = new Map<string, Map<number, Observe>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Observe>()));
    let observe = byStatus.get(status);
    if (!observe) {
      const child = this.requestDuration.labels(template, method, String(status));
      observe = (seconds) => child.observe(seconds);
      byStatus.set(status, observe);
    }
    observe(ms / 1000);
    if (status === 429) this.countRefusal(template);
  }

  countAuditEvent(type: string): void {
    if (AUTH_EVENTS.has(type)) this.authEvents.labels(type).inc();
  }

  countDroppedLogRecords(reason: LogDropReason, count: number): void {
    this.droppedLogRecords.labels(reason).inc(count);
  }

  registerGauge(gauge: ScrapeGauge): void {
    const read = gauge.collect;
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      registers: [this.registry],
      // Read when Prometheus scrapes, never in between. A reading that fails (the database away)
      // reports NaN, "unknown", for this scrape instead of failing every other series.
      async collect() {
        try {
          this.set(await read());
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private countRefusal(route: string): void {
    let inc = this.refusals.get(route);
    if (!inc) {
      const child = this.rateLimited.labels(route);
      inc = () => child.inc();
      this.refusals.set(route, inc);
    }
    inc();
  }
}
