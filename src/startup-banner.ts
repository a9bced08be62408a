import type { INestApplication } from '@nestjs/common';
import { configOf } from './config/config-of';
import type { Env } from './config/env.schema';
import { describeDatabase } from './database/database-description';
import { describeMailDestination } from './mail/mail-settings';
import { windowText } from './rate-limit/limit-hint';
import { TokenKeys } from './signing-keys/token-keys.service';

/**
 * The parts of the one line printed once the app listens, in order. A module with something an
 * operator needs to know at start-up adds its part here (the mail module: where mail goes).
 */
export function bannerParts(app: INestApplication, env: Env, baseUrl: string): string[] {
  const config = configOf(env);
  return [
    `API ${baseUrl}/api`,
    config.http.swaggerEnabled ? `Swagger UI ${baseUrl}/docs` : 'docs off',
    ...(config.http.accountPages ? [`account pages ${config.http.publicOrigin}/sign-in`] : []),
    `database: ${describeDatabase(app, config.database)}`,
    ...(env.isProduction ? [] : [`data directory: ${env.DATA_DIR}`]),
    `mail: ${describeMailDestination(config.mail)}`,
    describeTokenKeys(app.get(TokenKeys), baseUrl),
    ...settingParts(env),
  ];
}

/**
 * What else a developer looks for at start: the auth limit and the variable that raises it (outside
 * production: the limit a developer meets first), the metrics listener and Redis when set. Redis
 * as host:port only: its URL may hold a password.
 */
export function settingParts(env: Env): string[] {
  const { rateLimit, observability, redis } = configOf(env);
  const parts: string[] = [];
  if (!env.isProduction)
    parts.push(
      `auth limit: ${rateLimit.authMax} per ${windowText(rateLimit.windowMs)} per route (AUTH_RATE_LIMIT_MAX)`,
    );
  if (observability.metricsPort !== undefined)
    parts.push(`metrics: http://127.0.0.1:${observability.metricsPort}/metrics`);
  if (redis.url) parts.push(`Redis: ${describeRedis(redis.url)}`);
  return parts;
}

/** How tokens are signed, and where other services find the public keys. */
function describeTokenKeys(keys: TokenKeys, baseUrl: string): string {
  const { algorithm, kid } = keys.signingKey();
  return keys.asymmetric
    ? `tokens: ${algorithm}, key ${kid} (public keys ${baseUrl}/.well-known/jwks.json)`
    : `tokens: ${algorithm} with JWT_SECRET`;
}

function describeRedis(url: string): string {
  const { protocol, host } = new URL(url);
  return protocol === 'rediss:' ? `${host} over TLS` : host;
}

export function startupBanner(app: INestApplication, env: Env): string {
  return `ready | ${bannerParts(app, env, listeningUrl(app)).join(' | ')}`;
}

/** The address the server is bound to, as a URL a browser on this machine can open. */
function listeningUrl(app: INestApplication): string {
  const address = (app.getHttpServer() as { address(): unknown }).address();
  if (!address || typeof address !== 'object') return String(address);
  const { address: host, port } = address as { address: string; port: number };
  return `http://${browsable(host)}:${port}`;
}

function browsable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'; // every interface: loopback is one of them
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
