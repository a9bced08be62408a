import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * The account pages: plain HTML documents, one per flow, each at its own path. The mail links
 * land on three of them (PUBLIC_APP_URL + /verify-email, /reset-password, /confirm-email), the
 * identity-provider callback on /signed-in.
 */
export const ACCOUNT_PAGES = [
  'sign-in',
  'register',
  'verify-email',
  'forgot-password',
  'reset-password',
  'confirm-email',
  'account',
  'signed-in',
] as const;

/**
 * Further paths that serve one of the pages: the callback sends the browser to /settings after a
 * link (PUBLIC_APP_URL/settings#linked=<id>), and the account page is where identities are managed.
 */
export const PAGE_ALIASES: Readonly<Record<string, (typeof ACCOUNT_PAGES)[number]>> = {
  settings: 'account',
};

/** Where the bundled script and stylesheet are served; their names carry a content hash. */
export const ASSETS_PREFIX = '/assets/';

const PAGE_PATHS: ReadonlySet<string> = new Set(
  [...ACCOUNT_PAGES, ...Object.keys(PAGE_ALIASES)].map((page) => `/${page}`),
);

/** An asset's name has its content hash in it, so a browser may keep it for a year. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The built pages, read once at start: a few small documents (by path) and two assets. */
export interface AccountSite {
  pages: ReadonlyMap<string, Buffer>;
  assets: ReadonlyMap<string, { type: string; body: Buffer }>;
}

/**
 * `npm run build` writes the site (scripts/build-pages.js) next to the compiled code, in
 * dist/account-pages/site. Specs run the TypeScript sources from src/, and find the built site in
 * dist/ when a build has made one.
 */
export function siteDirectory(): string | undefined {
  const beside = join(__dirname, 'site');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '..', '..', 'dist', 'account-pages', 'site');
  return existsSync(built) ? built : undefined;
}

/** Reads every page and asset of a built site into memory; a missing page is an error. */
export function loadSite(directory: string): AccountSite {
  const pages = new Map<string, Buffer>();
  for (const page of ACCOUNT_PAGES)
    pages.set(`/${page}`, readFileSync(join(directory, 'pages', `${page}.html`)));
  for (const [alias, page] of Object.entries(PAGE_ALIASES))
    pages.set(`/${alias}`, pages.get(`/${page}`)!);
  const assets = new Map<string, { type: string; body: Buffer }>();
  const assetDirectory = join(directory, 'assets');
  for (const name of readdirSync(assetDirectory)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(join(assetDirectory, name)) });
  }
  return { pages, assets };
}

/**
 * The paths that belong to the pages' route family (security-headers.ts gives them their CSP).
 * Asked on every request: an API path is answered without an allocation.
 */
export function isAccountPagePath(url: string): boolean {
  if (url.startsWith('/api/')) return false;
  if (url.startsWith(ASSETS_PREFIX)) return true;
  const query = url.indexOf('?');
  return PAGE_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/**
 * GET routes for the pages and their assets, as plain Fastify routes: they do no work, so none of
 * Nest's guards run on them (no rate-limit budget spent, no auth attempt logged), while every
 * hook still does (security headers, request id, the security log of a 404). An unknown asset is
 * the ordinary 404.
 */
export function registerAccountPages(fastify: FastifyInstance, site: AccountSite): void {
  for (const [path, html] of site.pages)
    fastify.get(path, (_request, reply) => {
      void reply.type('text/html; charset=utf-8').send(html);
    });
  for (const [name, { type, body }] of site.assets)
    fastify.get(`${ASSETS_PREFIX}${name}`, (_request, reply) => {
      void reply.type(type).header('cache-control', ASSET_CACHE).send(body);
    });
}
