import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/** API and health answers are data, never documents: nothing may load, frame or cache them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/**
 * Swagger UI loads only its own scripts, styles and images; no inline script, nothing remote.
 * Its HTML has two inline <style> blocks and a style attribute on its hidden SVG sprite, and its
 * bundle injects one <style> element: each is allowed by its SHA-256 and nothing else is
 * ('unsafe-hashes' lets only that one attribute hash match). Measured in headless Chromium by
 * test/security/docs-csp.e2e-spec.ts, which fails on any violation: when @nestjs/swagger or
 * swagger-ui-dist change these, that test names the new hash.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-elem 'self' " +
    [
      'sha256-/jDKvbQ8cdux+c5epDIqkjHbXDaIY8RucT1PmAe8FG4=', // index.html: first <style>
      'sha256-eaPyLWVdqMc60xuz5bTp2yBRgVpQSoUggte1+40ONPU=', // index.html: second <style> (customCss)
      'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=', // injected by swagger-ui-bundle.js
    ]
      .map((hash) => `'${hash}'`)
      .join(' '),
  "style-src-attr 'unsafe-hashes' 'sha256-ezdv1bOGcoOD7FKudKN0Y2Mb763O6qVtM8LT2mtanIU='", // <svg style="position:absolute;width:0;height:0">
  "img-src 'self' data:", // swagger-ui.css draws its icons as data: SVGs
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
  // onSend, not onRequest: handlers and plugins (which may set their own Cache-Control) run first.
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
