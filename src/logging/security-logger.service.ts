import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createLogger, type Logger } from 'winston';
import { LoggingConfig } from '../config/config-sections';
import { securityLoggerOptions } from './winston.config';

export type SecurityLogEntry = { message: string } & Record<string, unknown>;

/**
 * Writes security events as JSON lines (timestamp, level, then the entry's fields), redacted and
 * control-char escaped. winston's transports are streams: a call returns at once and the write
 * happens asynchronously, so logging never holds up a response.
 */
@Injectable()
export class SecurityLogger implements OnApplicationShutdown {
  private readonly logger: Logger;

  constructor(config: LoggingConfig) {
    this.logger = createLogger(securityLoggerOptions(config));
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

  /** Resolves once every transport has flushed what it was given. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.logger.writable) return;
    const finished = new Promise<void>((resolve) => this.logger.once('finish', () => resolve()));
    this.logger.end();
    await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }
}
