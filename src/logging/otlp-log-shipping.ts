import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import TransportStream from 'winston-transport';
import type { LogDropReason } from '../observability/metrics.service';
import { serviceResource } from '../observability/service-resource';
import { otlpLogRecord } from './otlp-log-record';

/** Records handed over and not yet settled (queued or in an export); past it a record is dropped. */
const MAX_PENDING = 2048;
const MAX_BATCH = 512;
/** One export attempt, retries included: the collector's answer is never awaited longer. */
const EXPORT_TIMEOUT_MS = 5_000;
/** An unreachable collector must not hold the shutdown: what is not out by then is lost. */
const SHUTDOWN_FLUSH_MS = 3_000;

/** What the shipping tells its owner; it never throws and never blocks a log call. */
export interface ShippingReport {
  /** Records that will never reach the collector (the files still hold them). */
  dropped(reason: LogDropReason, count: number): void;
  /** The first loss after a good spell: one warning per outage, not one per record or batch. */
  outageBegan(reason: LogDropReason, detail: string): void;
  /** The first successful export after losses. */
  outageEnded(lost: number): void;
}

export interface LogShipping {
  /** The winston transport to add to the security logger. */
  transport: TransportStream;
  /** Exports what is queued, at most SHUTDOWN_FLUSH_MS; never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Ships every entry of the security log to an OTLP/HTTP collector (`<collector>/v1/logs`) as an
 * OpenTelemetry log record, so the record leaves the host the moment it is written and an intruder
 * on the host cannot take it back (ASVS 16.4.2, 16.4.3). Batched in the background: a log call only
 * appends to a bounded queue, so a slow or absent collector never slows or fails a request; records
 * past the bound, and those of a failed export, are counted and dropped.
 *
 * Its own LoggerProvider, not OpenTelemetry's global one: only the security log writes to it (no
 * library can), and it does not depend on tracing having started. And its own small transport
 * rather than `@opentelemetry/winston-transport`: that package writes through the global provider
 * and requires a newer `@opentelemetry/api` / `api-logs` than sdk-node 0.222 pins.
 *
 * Loaded only when the security log is shipped (SecurityLogger requires it then), so no
 * OpenTelemetry package is loaded otherwise.
 */
export function startLogShipping(url: string, report: ShippingReport): LogShipping {
  const accounting = new OutageAccounting(report);
  const exporter = new AccountingExporter(
    new OTLPLogExporter({ url, timeoutMillis: EXPORT_TIMEOUT_MS }),
    accounting,
  );
  const provider = new LoggerProvider({
    resource: serviceResource(),
    processors: [
      new BatchLogRecordProcessor({
        exporter,
        maxQueueSize: MAX_PENDING,
        maxExportBatchSize: MAX_BATCH,
        // The standard variable; a test sets it high to see the shutdown flush deliver the batch.
        scheduledDelayMillis: Number(process.env.OTEL_BLRP_SCHEDULE_DELAY) || 1_000,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS * 2, // longer than the exporter's own timeout
      }),
    ],
  });
  const logger = provider.getLogger('security-log');
  const transport = new OtlpTransport((info) => {
    if (!accounting.admit()) return;
    logger.emit(otlpLogRecord(info));
  });
  return {
    transport,
    shutdown: () =>
      Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()),
      ]),
  };
}

/** Counts what is in flight and what is lost, and turns losses into one warning per outage. */
class OutageAccounting {
  private pending = 0;
  private lostInOutage = 0;

  constructor(private readonly report: ShippingReport) {}

  /** Called for each record before it is queued: false when the queue is full (it is dropped). */
  admit(): boolean {
    if (this.pending >= MAX_PENDING) {
      this.lose('queue_full', 1, `more than ${MAX_PENDING} records waiting for the collector`);
      return false;
    }
    this.pending += 1;
    return true;
  }

  settle(count: number, result: ExportResult): void {
    this.pending = Math.max(0, this.pending - count);
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.lostInOutage > 0) this.report.outageEnded(this.lostInOutage);
      this.lostInOutage = 0;
      return;
    }
    this.lose('export_failed', count, result.error?.message ?? 'the collector refused the batch');
  }

  private lose(reason: LogDropReason, count: number, detail: string): void {
    this.report.dropped(reason, count);
    if (this.lostInOutage === 0) this.report.outageBegan(reason, detail);
    this.lostInOutage += count;
  }
}

/**
 * The OTLP exporter, its outcome accounted. The processor is then told every batch went well: a
 * failure is already counted and warned about here, and the processor would otherwise report each
 * failed batch again through OpenTelemetry's global error handler, a line every second.
 */
class AccountingExporter implements LogRecordExporter {
  constructor(
    private readonly inner: LogRecordExporter,
    private readonly accounting: OutageAccounting,
  ) {}

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.inner.export(records, (result) => {
      this.accounting.settle(records.length, result);
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** A winston transport handing each (already redacted) entry on; it never waits for the network. */
class OtlpTransport extends TransportStream {
  constructor(private readonly ship: (info: Record<string, unknown>) => void) {
    super();
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    try {
      this.ship(info);
    } finally {
      next();
    }
  }
}
