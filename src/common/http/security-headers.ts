import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/** API and health answers are data, never documents: nothing may load, frame or cache them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** Swagger UI loads only its own scripts, styles and images; nothing inline, nothing remote. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * helmet (through @fastify/helmet) for the fixed headers. The CSP is written here rather than by
 * helmet because API.md fixes its exact text per route family, and /docs needs a different one.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: true },
    frameguard: { action: 'deny' },
    noSniff: true,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    dnsPrefetchControl: { allow: false },
    xssFilter: true, // X-XSS-Protection: 0 — the legacy auditor can be abused; the CSP replaces it
    hidePoweredBy: true,
  });
  // onSend, not onRequest: handlers and plugins (terminus sets its own Cache-Control) run first.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (isDocsPath(request.url)) {
      reply.header('Content-Security-Policy', DOCS_CSP);
    } else {
      reply.header('Content-Security-Policy', API_CSP);
      reply.header('Cache-Control', 'no-store');
    }
    return payload;
  });
}

/**
 * What helmet and the onSend hook above send on an /api answer, as literal headers: for the few
 * answers Fastify makes before any hook runs (a malformed URL, see framework-errors.ts).
 * test/security/http-hardening.e2e-spec.ts checks both paths against API.md's list.
 */
export const PRE_ROUTING_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains; preload',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-DNS-Prefetch-Control': 'off',
  'X-XSS-Protection': '0',
  'Content-Security-Policy': API_CSP,
  'Cache-Control': 'no-store',
};

function isDocsPath(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
}
