import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createLogger, type Logger } from 'winston';
import { LoggingConfig } from '../config/config-sections';
import { MetricsService } from '../observability/metrics.service';
import { appLoggerFor } from './app-logger';
import type { LogShipping, ShippingReport } from './otlp-log-shipping';
import { securityLoggerOptions } from './winston.config';

export type SecurityLogEntry = { message: string } & Record<string, unknown>;

/**
 * Writes security events as JSON lines (timestamp, level, then the entry's fields), redacted and
 * control-char escaped, and with a collector configured also ships them off the host as OTLP log
 * records (otlp-log-shipping.ts). winston's transports are streams and the shipping a background
 * batch: a call returns at once, so logging never holds up a response.
 */
@Injectable()
export class SecurityLogger implements OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly shipping: LogShipping | undefined;

  constructor(config: LoggingConfig, metrics: MetricsService) {
    this.logger = createLogger(securityLoggerOptions(config));
    if (config.otlpLogsUrl) {
      this.shipping = loadShipping().startLogShipping(
        config.otlpLogsUrl,
        shippingReport(config, metrics),
      );
      this.logger.add(this.shipping.transport);
    }
  }

  info(entry: SecurityLogEntry): void {
    this.write('info', entry);
  }

  warn(entry: SecurityLogEntry): void {
    this.write('warn', entry);
  }

  error(entry: SecurityLogEntry): void {
    this.write('error', entry);
  }

  private write(level: 'info' | 'warn' | 'error', entry: SecurityLogEntry): void {
    // A response finishing while the app shuts down must not write after end (an 'error' event).
    if (this.logger.writable) this.logger.log(level, entry);
  }

  /** Resolves once every transport has flushed what it was given, the collector's batch included. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.logger.writable) return;
    const finished = new Promise<void>((resolve) => this.logger.once('finish', () => resolve()));
    this.logger.end();
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.shipping?.shutdown();
  }
}

function loadShipping(): typeof import('./otlp-log-shipping') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- OpenTelemetry only when shipping
  return require('./otlp-log-shipping') as typeof import('./otlp-log-shipping');
}

/**
 * Losses are counted (log_records_dropped_total, with METRICS_PORT) and told once per outage in the
 * application log, never the security log: a warning about shipping must not queue for shipping.
 */
function shippingReport(config: LoggingConfig, metrics: MetricsService): ShippingReport {
  const log = appLoggerFor(config).getWinstonLogger();
  const context = 'SecurityLogShipping';
  return {
    dropped: (reason, count) => metrics.countDroppedLogRecords(reason, count),
    outageBegan: (reason, detail) =>
      log.warn({
        message:
          'security log records are not reaching the collector; dropping them until it answers',
        context,
        reason,
        detail,
      }),
    outageEnded: (lost) =>
      log.info({ message: 'security log records reach the collector again', context, lost }),
  };
}
