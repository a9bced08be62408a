/** A value read when Prometheus scrapes (e.g. the mail outbox's depth), never on a request's path. */
export interface ScrapeGauge {
  /** Prometheus name: `snake_case`, with its unit (`_bytes`, `_seconds`) or none for a count. */
  name: string;
  help: string;
  /** Called once per scrape; a rejection reports NaN for that scrape. */
  collect: () => number | Promise<number>;
}

/**
 * Why a security log record never reached the OTLP collector: the bounded queue was full (the
 * collector slower than the traffic, or away for long), or the collector refused or never answered.
 */
export const LOG_DROP_REASONS = ['queue_full', 'export_failed'] as const;
export type LogDropReason = (typeof LOG_DROP_REASONS)[number];

/** What the Prometheus side implements; see prometheus-metrics.ts. */
export interface MetricsSink {
  observeRequest(route: string | undefined, method: string, status: number, ms: number): void;
  countAuditEvent(type: string): void;
  countDroppedLogRecords(reason: LogDropReason, count: number): void;
  registerGauge(gauge: ScrapeGauge): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * The application's handle on metrics, injectable everywhere (ObservabilityModule is global). With
 * METRICS_PORT unset it holds nothing and every method returns at once: prom-client is not loaded,
 * no series exists, no hook observes requests.
 */
export class MetricsService {
  constructor(readonly sink: MetricsSink | undefined) {}

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  /**
   * Counts an authentication outcome by its audit event type (`auth.login.failure`,
   * `auth.refresh.reuse_detected`…); types that are not auth outcomes are ignored. Meant to be
   * called by AuditService once an event is recorded.
   */
  countAuditEvent(type: string): void {
    this.sink?.countAuditEvent(type);
  }

  /** Counts security log records lost on their way to the OTLP collector (their files keep them). */
  countDroppedLogRecords(reason: LogDropReason, count: number): void {
    this.sink?.countDroppedLogRecords(reason, count);
  }

  /** Adds a gauge read at scrape time. A no-op without METRICS_PORT, so callers need not check. */
  registerGauge(gauge: ScrapeGauge): void {
    this.sink?.registerGauge(gauge);
  }
}
