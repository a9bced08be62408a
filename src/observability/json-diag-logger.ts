import type { DiagLogger } from '@opentelemetry/api';

const MAX_MESSAGE = 500;

/**
 * OpenTelemetry's own diagnostics (an export that failed, an instrumentation that broke) as one JSON
 * line on stderr, in the shape of the application's log lines: tracing starts before the application
 * logger exists, and the console must stay JSON from the first line to the last.
 */
export class JsonDiagLogger implements DiagLogger {
  error = (message: string, ...args: unknown[]): void => this.write('error', message, args);
  warn = (message: string, ...args: unknown[]): void => this.write('warn', message, args);
  info = (message: string, ...args: unknown[]): void => this.write('info', message, args);
  debug = (message: string, ...args: unknown[]): void => this.write('debug', message, args);
  verbose = (message: string, ...args: unknown[]): void => this.write('verbose', message, args);

  private write(level: string, message: string, args: unknown[]): void {
    const text = [message, ...args.map(describe)].join(' ').slice(0, MAX_MESSAGE);
    const line = {
      level,
      message: text,
      context: 'OpenTelemetry',
      timestamp: new Date().toISOString(),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }
}

function describe(arg: unknown): string {
  if (arg instanceof Error) return arg.message;
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}
