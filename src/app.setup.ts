import { Logger, RequestMethod, type INestApplication } from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { DynamicModule } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { closeConnectionsWhenShuttingDown } from './app.shutdown';
import { appLoggerFor } from './logging/app-logger';
import { registerSecurityLogHook } from './logging/security-log.hook';
import { SecurityLogger } from './logging/security-logger.service';
import { enableCors } from './common/http/cors';
import { onClientError, onFrameworkError } from './common/http/framework-errors';
import { registerJsonBodyParser } from './common/http/json-body-parser';
import { requestIdFor } from './common/http/request-id';
import { registerSecurityHeaders } from './common/http/security-headers';
import { warnOnceAboutUntrustedProxy } from './common/http/untrusted-proxy.warning';
import {
  isAccountPagePath,
  loadSite,
  registerAccountPages,
  siteDirectory,
} from './account-pages/account-pages';
import { configOf } from './config/config-of';
import type { Env } from './config/env.schema';
import { registerLiveness } from './health/liveness.route';
import { ReadinessService } from './health/readiness.service';
import { registerObservabilityHooks } from './observability/observability.hooks';
import { MetricsService } from './observability/metrics.service';
import { buildOpenApiDocument } from './openapi/openapi.document';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** Fastify options: request ids we can trust, proxy trust only when configured, small bodies. */
export function createFastifyAdapter(env: Env): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxySetting(configOf(env).http.trustProxy),
    genReqId: requestIdFor,
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // During the drain of a shutdown, requests already on an open connection are served (their
    // answers carry Connection: close) rather than refused with Fastify's own 503 body.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
  });
}

/**
 * Builds a fully configured application. main.ts and the e2e tests both call this, so the tests
 * exercise exactly what production runs.
 */
export async function createApp(
  rootModule: DynamicModule,
  env: Env,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    rootModule,
    createFastifyAdapter(env),
    {
      bodyParser: false,
      // winston from the first line on: a start that fails before the app exists is logged in the
      // configured format too (JSON in production), never by Nest's coloured default logger.
      logger: appLoggerFor(configOf(env).logging),
      abortOnError: false, // let main.ts print one line and exit 1 instead of aborting
    },
  );
  await configureApp(app, env);
  return app;
}

async function configureApp(app: NestFastifyApplication, env: Env): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();

  // Every response with status >= 400 and every auth attempt goes to the security log from here:
  // onResponse is the one point every response passes, including those Nest never routes.
  registerSecurityLogHook(fastify, app.get(SecurityLogger));
  registerObservabilityHooks(fastify, app.get(MetricsService));
  registerJsonBodyParser(fastify);
  registerLiveness(fastify);
  closeConnectionsWhenShuttingDown(fastify, app.get(ReadinessService));
  const { http } = configOf(env);
  if (env.isProduction && !http.trustProxy) warnOnceAboutUntrustedProxy(fastify);
  // Cookies are parsed where one is read (the refresh route), not on every request.
  await app.register(fastifyCookie, { hook: false });
  const accountPages = http.accountPages && servedAccountPages(fastify, env);
  registerSecurityHeaders(fastify, accountPages ? isAccountPagePath : undefined);
  enableCors(app, [...http.corsOrigins]);

  applyGlobalPrefix(app);

  if (http.swaggerEnabled) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      useGlobalPrefix: false,
      jsonDocumentUrl: 'docs-json',
      yamlDocumentUrl: 'docs-yaml',
      swaggerOptions: { persistAuthorization: false, withCredentials: true },
      customSiteTitle: 'Secure NestJS Foundation API',
    });
  }
}

/**
 * The account pages (ACCOUNT_PAGES) from the site `npm run build` made. Without one, production
 * refuses to start (the operator asked for pages it cannot serve); elsewhere the API still starts
 * and says why the pages are missing.
 */
function servedAccountPages(fastify: FastifyInstance, env: Env): boolean {
  const directory = siteDirectory();
  if (!directory) {
    const problem = 'the account pages are not built (npm run build makes them): not served';
    if (env.isProduction) throw new Error(`ACCOUNT_PAGES=true but ${problem}`);
    new Logger('AccountPages').warn(problem);
    return false;
  }
  registerAccountPages(fastify, loadSite(directory));
  return true;
}

/** `/api` for the application; health and docs sit outside it (docs/API.md "Conventions"). */
export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'health/*path', method: RequestMethod.ALL },
      { path: '.well-known/*path', method: RequestMethod.ALL },
    ],
  });
}

function trustProxySetting(value: string | undefined): boolean | string[] {
  if (!value) return false;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
