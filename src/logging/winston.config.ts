import { join } from 'node:path';
import { format, transports, type LoggerOptions } from 'winston';
import { utilities } from 'nest-winston';
import type { LoggingConfig } from '../config/config-sections';
import { LOG_STREAM_OPTIONS, prepareLogDir } from './log-files';
import { redactFormat } from './redact.format';

// Size-based rotation by winston's own File transport: app.log, app1.log… with `tailable` keeping
// the newest in the base name. One mechanism for both logs, no extra dependency. Files are 0640.
const FILE_ROTATION = {
  maxsize: 10 * 1024 * 1024,
  maxFiles: 10,
  tailable: true,
  options: LOG_STREAM_OPTIONS,
} as const;

const jsonLine = (): ReturnType<typeof format.combine> =>
  format.combine(format.timestamp(), format.json());

/**
 * Only a development start gets the readable console; test and production (and an unknown
 * NODE_ENV, which a refused start reports) write JSON lines that machines parse.
 */
export function wantsReadableConsole(nodeEnv: string | undefined): boolean {
  return (nodeEnv ?? 'development') === 'development';
}

/** Colour when a person is likely watching: a terminal, unless NO_COLOR; FORCE_COLOR insists. */
function colours(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true;
}

/**
 * The console: one event per line. In development nest-winston's Nest-like format (time, level,
 * [context], message, then any fields as one-line JSON); otherwise the JSON line the files get.
 * Redaction runs at the logger level, before either.
 */
export function consoleTransport(
  nodeEnv: string | undefined,
  level?: string,
): transports.ConsoleTransportInstance {
  const readable = format.combine(
    format.timestamp({ format: 'HH:mm:ss.SSS' }),
    utilities.format.nestLike('', {
      colors: colours(),
      prettyPrint: false, // pretty printing spreads fields over several lines
      processId: false,
      appName: false,
    }),
  );
  return new transports.Console({
    level,
    format: wantsReadableConsole(nodeEnv) ? readable : jsonLine(),
  });
}

/** Application logs: the console (see consoleTransport) and JSON lines in LOG_DIR/app.log. */
export function appLoggerOptions(config: LoggingConfig): LoggerOptions {
  prepareLogDir(config.dir);
  return {
    level: config.level,
    format: redactFormat(),
    transports: [
      consoleTransport(config.nodeEnv),
      new transports.File({
        filename: join(config.dir, 'app.log'),
        format: jsonLine(),
        ...FILE_ROTATION,
      }),
    ],
  };
}

/**
 * The security log: its own stream (console and LOG_DIR/security.log), redacted the same way. It
 * records at least `info` whatever LOG_LEVEL says: auth attempts are security events, and quieting
 * the application log must not silence them.
 */
export function securityLoggerOptions(config: LoggingConfig): LoggerOptions {
  prepareLogDir(config.dir);
  const levels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
  const level = levels.indexOf(config.level) > levels.indexOf('info') ? config.level : 'info';
  return {
    level,
    format: redactFormat(),
    defaultMeta: { log: 'security' },
    transports: [
      // The console follows LOG_LEVEL (an operator may quiet it); the file always keeps the full record.
      consoleTransport(config.nodeEnv, config.level),
      new transports.File({
        filename: join(config.dir, 'security.log'),
        format: jsonLine(),
        ...FILE_ROTATION,
      }),
    ],
  };
}
