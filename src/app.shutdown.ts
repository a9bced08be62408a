import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger as WinstonLogger } from 'winston';
import { appLoggerFor } from './logging/app-logger';
import { configOf } from './config/config-of';
import type { Env } from './config/env.schema';
import { ReadinessService } from './health/readiness.service';

const LOG_FLUSH_TIMEOUT_MS = 1_000;
/**
 * Between readiness turning 503 and the listener closing: requests whose bytes arrived just before
 * the signal are read meanwhile. Closing the listener closes every connection with no request
 * read yet, and a request still unread in a socket buffer would be lost with it.
 */
const SETTLE_MS = 250;
/** Kept out of the drain for the teardown (Redis, pool, database), at most this much. */
const TEARDOWN_RESERVE_MS = 3_000;

/**
 * The ordered shutdown on SIGTERM or SIGINT (docs/API.md "Faults and shutdown"), step by step rather
 * than left to the order of Nest's hooks, which tear modules down before the HTTP server closes:
 *
 * 1. readiness answers 503, so the load balancer stops sending, and every answer from now on
 *    carries `Connection: close` (closeConnectionsWhenShuttingDown);
 * 2. after a short settle, the listener stops accepting; requests in flight finish, idle
 *    keep-alive connections close at once, busy ones right after their answer;
 * 3. whatever is still open when the drain's share of SHUTDOWN_TIMEOUT_MS is up is closed anyway;
 * 4. Nest's shutdown hooks: Redis, the database pool, the embedded PostgreSQL last, within the
 *    rest of SHUTDOWN_TIMEOUT_MS (a query still running for a cut connection is not waited for:
 *    the process ends, and PostgreSQL rolls it back);
 * 5. the logs are flushed, and the process exits 0, whatever the clients did.
 */
export function shutDownOnSignals(app: NestFastifyApplication, env: Env): void {
  let begun = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (begun) return;
    begun = true;
    // A shutdown that hangs anyway (a log stream that never finishes) must still end the process.
    setTimeout(() => process.exit(1), configOf(env).http.shutdownTimeoutMs + 5_000).unref();
    shutDown(app, env, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function shutDown(
  app: NestFastifyApplication,
  env: Env,
  signal: NodeJS.Signals,
): Promise<void> {
  const logger = new Logger('Shutdown');
  const started = Date.now();
  const { shutdownTimeoutMs } = configOf(env).http;
  const deadline = started + shutdownTimeoutMs;
  const reserve = Math.min(TEARDOWN_RESERVE_MS, shutdownTimeoutMs / 3);
  logger.log({ message: 'shutting down', signal });
  app.get(ReadinessService).beginShutdown();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const forced = await drainHttp(app, deadline - reserve - Date.now());
  logger.log({
    message: 'http server closed',
    forcedConnections: forced,
    ms: Date.now() - started,
  });
  const teardown = await within(app.close(), Math.max(deadline - Date.now(), 1_000));
  if (teardown === 'timeout') logger.warn({ message: 'teardown did not finish in time; exiting' });
  logger.log({ message: 'stopped', ms: Date.now() - started });
  await flushLogs(appLoggerFor(configOf(env).logging).getWinstonLogger());
}

/**
 * From the moment a shutdown begins, every answer closes its connection: a client with a request
 * in flight on a kept-alive connection gets its answer, then the connection ends, and no drain
 * waits on connections that would otherwise stay open.
 */
export function closeConnectionsWhenShuttingDown(
  fastify: FastifyInstance,
  readiness: ReadinessService,
): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (readiness.shuttingDown) void reply.header('Connection', 'close');
    done(null, payload);
  });
}

/** Closes the listener and waits for requests in flight; returns how many connections were cut. */
async function drainHttp(app: NestFastifyApplication, timeoutMs: number): Promise<number> {
  const fastify = app.getHttpAdapter().getInstance();
  const server = fastify.server;
  const closed = fastify.close();
  if ((await within(closed, timeoutMs)) === 'done') return 0;
  const open = await new Promise<number>((resolve) =>
    server.getConnections((_, count) => resolve(count)),
  );
  server.closeAllConnections();
  await closed;
  return open;
}

/** Waits for `work` at most `ms`; says which came first. */
async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function flushLogs(logger: WinstonLogger): Promise<void> {
  if (!logger.writable) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, LOG_FLUSH_TIMEOUT_MS).unref();
    logger.once('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
