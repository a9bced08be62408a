// Handler metadata (guards' @Public, roles…) is copied onto the wrapped handlers with Reflect.
import 'reflect-metadata';
import * as routerExecutionContext from '@nestjs/core/router/router-execution-context.js';
import { version as nestVersion } from '@nestjs/core/package.json';
import type { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';

const ROUTER_FILE = 'router-execution-context.js';

/**
 * Applies the NestJS instrumentation's own request-handler patch by hand. Its automatic hook cannot
 * fire here: NestJS 12 ships as ES modules, which this CommonJS build loads through require(esm),
 * past require-in-the-middle; and the instrumentation declares support for @nestjs/core < 12 only.
 * The patch itself (wrapping RouterExecutionContext.prototype.create, so every route gets a span
 * for its guards, pipes, interceptors and handler, and one for the handler) works unchanged on
 * NestJS 12, which the tracing e2e test proves. Only the router patch is applied: the app-creation
 * span would parent the start-up queries, among them the embedded cluster's role password.
 */
export function instrumentNest(instrumentation: NestInstrumentation): void {
  const file = instrumentation
    .getModuleDefinitions()
    .flatMap((definition) => definition.files)
    .find((candidate) => candidate.name.endsWith(ROUTER_FILE));
  if (!file) throw new Error('the NestJS instrumentation no longer patches the router');
  file.patch(routerExecutionContext, nestVersion);
}
