import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME, REFRESH_COOKIE_SCHEME } from '../common/decorators/route-access.decorator';
import { REFRESH_COOKIE } from '../sign-in/refresh-cookie';
import { describeLiveness } from '../health/liveness.route';

/** The OpenAPI 3 document of the whole app; `npm run openapi` writes the same to openapi.json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Secure NestJS Foundation API')
    .setDescription(
      'Secure-by-default backend foundation: accounts, JWT sessions with refresh rotation, field encryption, ' +
        'rate limiting and a tamper-evident audit trail. Every error body is { statusCode, error, message, requestId }.',
    )
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .addCookieAuth(REFRESH_COOKIE, { type: 'apiKey', in: 'cookie' }, REFRESH_COOKIE_SCHEME)
    .addServer('/', 'This server')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  describeLiveness(document);
  return applyRouteAccess(document);
}

/**
 * Closed by default, in the document as in the guard: an operation that declares nothing needs the
 * bearer token; a @PublicRoute() one declares "anonymous allowed" (`[{}]`), written as `security: []`.
 * test/auth/route-protection proves each public operation answers without a token and every other
 * one answers 401.
 */
function applyRouteAccess(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const security = operation.security ?? [];
      const isPublic = security.some((requirement) => Object.keys(requirement).length === 0);
      operation.security = isPublic
        ? []
        : security.length > 0
          ? security
          : [{ [BEARER_SCHEME]: [] }];
    }
  }
  return document;
}
