import { WinstonLogger } from 'nest-winston';
import { createLogger, type Logger } from 'winston';
import type { LoggingConfig } from '../config/config-sections';
import { redactFormat } from './redact.format';
import { appLoggerOptions, consoleTransport } from './winston.config';

/**
 * Nest's start-up chatter: "Starting Nest application…", one line per initialised module, the
 * route map, "successfully started". Useful when debugging the wiring, noise otherwise: it goes to
 * debug, so the default LOG_LEVEL=info start shows what matters and then the banner.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** The Nest logger of the application: winston (see winston.config.ts), start-up chatter at debug. */
export class AppLogger extends WinstonLogger {
  override log(message: unknown, context?: string): unknown {
    if (typeof message === 'string' && context && START_UP_CONTEXTS.has(context)) {
      return this.getWinstonLogger().debug(message, { context });
    }
    return super.log(message, context);
  }
}

const loggers = new WeakMap<LoggingConfig, AppLogger>();

/**
 * One logger per logging section, that is per application (config-of.ts builds one section per
 * environment): NestFactory.create gets it, so every line from the first one is written by winston
 * (JSON in production, never Nest's coloured default), and the module graph provides the same
 * instance (see AppModule).
 */
export function appLoggerFor(config: LoggingConfig): AppLogger {
  let logger = loggers.get(config);
  if (!logger) {
    logger = new AppLogger(createLogger(appLoggerOptions(config)));
    loggers.set(config, logger);
  }
  return logger;
}

/**
 * The console alone, in the format NODE_ENV asks for, for what happens before there is a valid
 * environment (a refused configuration) or outside the application (process warnings).
 */
export function consoleLogger(nodeEnv: string | undefined): Logger {
  return createLogger({ format: redactFormat(), transports: [consoleTransport(nodeEnv)] });
}
