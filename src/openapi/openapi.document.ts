import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addServer('/', 'This server')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return markPublicOperations(document);
}

/**
 * Operations without @ApiBearerAuth are the @Public() ones: say so explicitly (`security: []`).
 * test/auth/route-protection proves each of them really answers without a token, and that
 * every other one answers 401.
 */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}
