import { RequestMethod, type INestApplication } from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';
import type { DynamicModule } from '@nestjs/common';
import { registerSecurityLogHook } from './audit/logging/security-log.hook';
import { SecurityLogger } from './audit/logging/security-logger.service';
import { enableCors } from './common/http/cors';
import { onClientError, onFrameworkError } from './common/http/framework-errors';
import { registerJsonBodyParser } from './common/http/json-body-parser';
import { requestIdFor } from './common/http/request-id';
import { registerSecurityHeaders } from './common/http/security-headers';
import type { Env } from './config/env.schema';
import { registerObservabilityHooks } from './observability/observability.hooks';
import { MetricsService } from './observability/metrics.service';
import { buildOpenApiDocument } from './openapi/openapi.document';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** Fastify options: request ids we can trust, proxy trust only when configured, small bodies. */
export function createFastifyAdapter(env: Env): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxySetting(env.TRUST_PROXY),
    genReqId: requestIdFor,
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
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
      bufferLogs: true,
      abortOnError: false, // let main.ts print one line and exit 1 instead of aborting
    },
  );
  await configureApp(app, env);
  return app;
}

async function configureApp(app: NestFastifyApplication, env: Env): Promise<void> {
  app.useLogger(app.get(WINSTON_MODULE_NEST_PROVIDER));
  app.flushLogs();
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  // Every response with status >= 400 and every auth attempt goes to the security log from here:
  // onResponse is the one point every response passes, including those Nest never routes.
  registerSecurityLogHook(fastify, app.get(SecurityLogger));
  registerObservabilityHooks(fastify, app.get(MetricsService));
  registerJsonBodyParser(fastify);
  await app.register(fastifyCookie);
  await registerSecurityHeaders(fastify);
  enableCors(app, env.corsOrigins);

  applyGlobalPrefix(app);
  app.enableShutdownHooks();

  if (env.swaggerEnabled) {
    SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
      useGlobalPrefix: false,
      jsonDocumentUrl: 'docs-json',
      yamlDocumentUrl: 'docs-yaml',
      swaggerOptions: { persistAuthorization: false, withCredentials: true },
      customSiteTitle: 'Secure NestJS Foundation API',
    });
  }
}

/** `/api` for the application; health and docs sit outside it (API.md conventions). */
export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix('api', { exclude: [{ path: 'health/*path', method: RequestMethod.ALL }] });
}

function trustProxySetting(value: string | undefined): boolean | string[] {
  if (!value) return false;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
