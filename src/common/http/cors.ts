import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Only allow-listed origins get CORS headers (credentials included); an unknown origin, or the
 * `null` origin of sandboxed frames and file: pages, is never reflected.
 */
export function enableCors(app: NestFastifyApplication, origins: string[]): void {
  const allowed = new Set(origins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && origin !== 'null' && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: [
      'X-Request-Id',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
    ],
    maxAge: 600,
    strictPreflight: true,
  });
}
