import { join } from 'node:path';
import { format, transports, type LoggerOptions } from 'winston';
import type { Env } from '../../config/env.schema';
import { redactFormat } from './redact.format';

const FILE_ROTATION = { maxsize: 10 * 1024 * 1024, maxFiles: 10, tailable: true } as const;

/** JSON lines with timestamp and level, to the console and LOG_DIR/app.log, redacted centrally. */
export function appLoggerOptions(env: Env): LoggerOptions {
  const json = format.combine(format.timestamp(), redactFormat(), format.json());
  return {
    level: env.LOG_LEVEL,
    format: json,
    transports: [
      new transports.Console(),
      new transports.File({ filename: join(env.LOG_DIR, 'app.log'), ...FILE_ROTATION }),
    ],
  };
}
