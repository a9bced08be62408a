import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { WINSTON_MODULE_NEST_PROVIDER } from 'nest-winston';
import type { DynamicModule } from '@nestjs/common';
import { enableCors } from './common/http/cors';
import { onFrameworkError } from './common/http/framework-errors';
import { registerJsonBodyParser } from './common/http/json-body-parser';
import { requestIdFor } from './common/http/request-id';
import { registerSecurityHeaders } from './common/http/security-headers';
import type { Env } from './config/env.schema';
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
  });
}

/**
 * Builds a fully configured application. main.ts and the e2e tests both call this, so the tests
 * exercise exactly what production runs.
 */
export async function createApp(rootModule: DynamicModule, env: Env): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, createFastifyAdapter(env), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false, // let main.ts print one line and exit 1 instead of aborting
  });
  await configureApp(app, env);
  return app;
}

export async function configureApp(app: NestFastifyApplication, env: Env): Promise<void> {
  app.useLogger(app.get(WINSTON_MODULE_NEST_PROVIDER));
  app.flushLogs();
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  registerJsonBodyParser(fastify);
  await registerSecurityHeaders(fastify);
  enableCors(app, env.corsOrigins);

  app.setGlobalPrefix('api', {
    exclude: [{ path: 'health/*path', method: RequestMethod.ALL }],
  });
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

function trustProxySetting(value: string | undefined): boolean | string[] {
  if (!value) return false;
  return value.split(',').map((v) => v.trim()).filter(Boolean);
}
