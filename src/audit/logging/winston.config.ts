import { join } from 'node:path';
import { format, transports, type LoggerOptions } from 'winston';
import type { Env } from '../../config/env.schema';
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

function jsonLines(): ReturnType<typeof format.combine> {
  return format.combine(format.timestamp(), redactFormat(), format.json());
}

/** JSON lines with timestamp and level, to the console and LOG_DIR/app.log, redacted centrally. */
export function appLoggerOptions(env: Env): LoggerOptions {
  prepareLogDir(env.LOG_DIR);
  return {
    level: env.LOG_LEVEL,
    format: jsonLines(),
    transports: [
      new transports.Console(),
      new transports.File({ filename: join(env.LOG_DIR, 'app.log'), ...FILE_ROTATION }),
    ],
  };
}

/**
 * The security log: its own stream (console and LOG_DIR/security.log), redacted the same way. It
 * records at least `info` whatever LOG_LEVEL says: auth attempts are security events, and quieting
 * the application log must not silence them.
 */
export function securityLoggerOptions(env: Env): LoggerOptions {
  prepareLogDir(env.LOG_DIR);
  const levels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
  const level = levels.indexOf(env.LOG_LEVEL) > levels.indexOf('info') ? env.LOG_LEVEL : 'info';
  return {
    level,
    format: jsonLines(),
    defaultMeta: { log: 'security' },
    transports: [
      // The console follows LOG_LEVEL (an operator may quiet it); the file always keeps the full record.
      new transports.Console({ level: env.LOG_LEVEL }),
      new transports.File({ filename: join(env.LOG_DIR, 'security.log'), ...FILE_ROTATION }),
    ],
  };
}
