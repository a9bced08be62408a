import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * API and health answers are data, never documents: nothing may load, frame or cache them.
 * default-src 'none' already covers object-src, and base-uri does not fall back to default-src;
 * both are spelt out because a policy checker (ASVS 5.0 3.4.3) requires them by name.
 */
export const API_CSP =
  "default-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'";
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
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The account pages (src/account-pages/) run their own bundled script and stylesheet and nothing
 * else: no inline script or style, no remote origin. `img-src data:` is the TOTP QR code (an SVG
 * data: URL); `connect-src 'self'` their calls to the API; forms post only here.
 */
export const PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * What helmet sends, computed once: helmet's middleware is run against a recorder at start, so its
 * maintained defaults and our options decide the header set, and a request costs one object
 * instead of helmet's per-request middleware chain (twelve closures and a setHeader call each).
 * The CSP is ours because its exact text is fixed per route family (docs/API.md "Security headers").
 */
function helmetHeaders(): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet({
    contentSecurityPolicy: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: true },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xDnsPrefetchControl: { allow: false },
    xXssProtection: true, // X-XSS-Protection: 0 — the legacy auditor can be abused; the CSP replaces it
  })(request, response, () => undefined);
  return Object.fromEntries(
    Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

const HELMET = helmetHeaders();

/** Every answer outside /docs: API and health answers are data, never documents or cacheable. */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...HELMET,
  'content-security-policy': API_CSP,
  'cache-control': 'no-store',
});

/** Swagger UI and its assets: the same fixed headers with the docs CSP. */
export const DOCS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...HELMET,
  'content-security-policy': DOCS_CSP,
});

/** The account pages and their assets: the pages' CSP; HTML is never stored (assets say otherwise). */
export const PAGES_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...HELMET,
  'content-security-policy': PAGES_CSP,
  'cache-control': 'no-store',
});

/**
 * The headers of the route family a request belongs to, set with its request id in one
 * synchronous onRequest hook (no promise, one object): every answer carries them, handlers may
 * still add their own. `isPagePath` says which paths are account pages (none when they are off).
 */
export function registerSecurityHeaders(
  fastify: FastifyInstance,
  isPagePath: (url: string) => boolean = () => false,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(
      isDocsPath(request.url)
        ? DOCS_HEADERS
        : isPagePath(request.url)
          ? PAGES_HEADERS
          : API_HEADERS,
    );
    void reply.header('X-Request-Id', request.id);
    done();
  });
}

/**
 * The API family's headers for the few answers Fastify or Node make before any hook runs (a
 * malformed URL, see framework-errors.ts). test/security/http-hardening.e2e-spec.ts checks both
 * paths against the list in docs/API.md "Security headers".
 */
export const PRE_ROUTING_HEADERS = API_HEADERS;

function isDocsPath(url: string): boolean {
  if (!url.startsWith('/docs')) return false;
  const rest = url.charCodeAt(5); // what follows "/docs": end, "/", "-", or a query
  return Number.isNaN(rest) || rest === 47 || rest === 45 || rest === 63;
}
