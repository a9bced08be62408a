import { readFileSync } from 'node:fs';
import type { Env } from '../config/env.schema';
import type { ConnectionInfo } from './connection-info';

/**
 * DATABASE_URL as discrete fields. TLS settings in the URL (sslmode, sslcert…) are dropped on
 * purpose: TLS is always on and always verified, with the CA from DATABASE_SSL_CA or the system's.
 */
export function externalConnection(env: Env): ConnectionInfo {
  const url = new URL(env.DATABASE_URL as string);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    ca: env.DATABASE_SSL_CA ? readFileSync(env.DATABASE_SSL_CA, 'utf8') : undefined,
  };
}
