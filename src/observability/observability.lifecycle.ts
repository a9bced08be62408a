import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { ObservabilityConfig } from '../config/config-sections';
import { registerPoolGauges } from './database-pool.metrics';
import { startMetricsServer, stopMetricsServer } from './metrics-server';
import { MetricsService } from './metrics.service';
import { shutdownTracing } from './tracing';

/**
 * Opens the metrics listener once the application is built; closes it and flushes spans at shutdown.
 * Only a serving application opens it: an application context without HTTP (the operator commands,
 * which read the same environment) must not take the running service's METRICS_PORT.
 */
@Injectable()
export class ObservabilityLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly config: ObservabilityConfig,
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    private readonly http: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sink = this.metrics.sink;
    if (!sink || this.config.metricsPort === undefined || !this.http.httpAdapter) return;
    registerPoolGauges(this.metrics, this.dataSource);
    this.server = await startMetricsServer(this.config.metricsPort, sink);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await stopMetricsServer(server);
    await shutdownTracing();
  }
}
