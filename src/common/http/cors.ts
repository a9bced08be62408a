import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Only allow-listed origins (CORS_ORIGINS) get CORS headers (credentials included); an unknown origin, or the
 * `null` origin of sandboxed frames and file: pages, is never reflected.
 */
export function enableCors(app: NestFastifyApplication, origins: string[]): void {
  // No allow-list, no CORS at all: a browser then refuses every cross-origin read by itself, and no
  // request pays for a CORS hook that could only say no.
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  app.enableCors({
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && origin !== 'null' && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Token-Delivery'],
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
