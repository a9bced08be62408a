import { Global, Module } from '@nestjs/common';
import { ObservabilityConfig } from '../config/config-sections';
import { MetricsService } from './metrics.service';
import { ObservabilityLifecycle } from './observability.lifecycle';

/** prom-client is required only when METRICS_PORT is set: unset, metrics cost nothing. */
function createMetricsService(config: ObservabilityConfig): MetricsService {
  if (config.metricsPort === undefined) return new MetricsService(undefined);
  return new MetricsService(new (loadPrometheus().PrometheusMetrics)());
}

function loadPrometheus(): typeof import('./prometheus-metrics') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when enabled
  return require('./prometheus-metrics') as typeof import('./prometheus-metrics');
}

/**
 * Metrics (Prometheus, on their own loopback listener) and the shutdown flush of traces (tracing
 * itself starts in tracing.ts, before the application loads). Global: any feature may count
 * through MetricsService or register a scrape-time gauge.
 */
@Global()
@Module({
  providers: [
    { provide: MetricsService, inject: [ObservabilityConfig], useFactory: createMetricsService },
    ObservabilityLifecycle,
  ],
  exports: [MetricsService],
})
export class ObservabilityModule {}
