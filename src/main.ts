// First: V8's heap settings, then tracing (when enabled), which must patch http, pg, ioredis,
// Fastify and Nest before they load.
import './v8-settings';
import './observability/tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Logger as Winston } from 'winston';
import { consoleLogger } from './logging/app-logger';
import { configOf } from './config/config-of';
import { EnvError, loadEnv } from './config/load-env';

async function bootstrap(): Promise<void> {
  const env = loadEnv();
  routeProcessEvents(consoleLogger(env.NODE_ENV));
  // The application graph is loaded once the environment is valid: a refused start answers at once.
  const { AppModule } = await import('./app.module.js');
  const { createApp } = await import('./app.setup.js');
  const { startupBanner } = await import('./startup-banner.js');
  const { shutDownOnSignals } = await import('./app.shutdown.js');
  const app = await createApp(AppModule.forRoot(env), env);
  // Before the port opens: a signal sent as soon as /health/ready answers (or the banner shows)
  // must find the ordered shutdown, not Node's default exit that would orphan the embedded database.
  shutDownOnSignals(app, env);
  try {
    const { host, port } = configOf(env).http;
    await app.listen({ host, port });
  } catch (error) {
    await app.close(); // stops the embedded database it may have started
    throw error;
  }
  new Logger('Bootstrap').log(startupBanner(app, env));
}

/** Node's own warnings and a crash go through the logger too: one format from first line to last. */
function routeProcessEvents(logger: Winston): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (logger.writable)
      logger.warn(warning.message, { context: 'Process', warning: warning.name });
  });
  let crashed = false;
  process.on('uncaughtException', (error) => {
    if (crashed) return; // already on the way out: one line, one exit
    crashed = true;
    logger.error(`uncaught exception: ${error.message}`, {
      context: 'Process',
      stack: error.stack,
    });
    void exitAfter(logger, 1);
  });
}

/** Exits once `logger` has written what it was given (a second at most). */
async function exitAfter(logger: Winston, code: number): Promise<never> {
  const flushed = new Promise((resolve) => logger.once('finish', resolve));
  logger.end();
  await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  process.exit(code);
}

bootstrap().catch(async (error: unknown) => {
  // loadEnv has read .env by now, so NODE_ENV is the one the start was meant to run with.
  const logger = consoleLogger(process.env.NODE_ENV);
  if (error instanceof EnvError) {
    for (const problem of error.problems) {
      logger.error(`config error: ${problem}`, { context: 'Config' });
    }
  } else {
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`startup failed: ${message}`, { context: 'Bootstrap' });
  }
  await exitAfter(logger, 1);
});
