import { readFileSync } from 'node:fs';
import type { DatabaseConfig } from '../config/config-sections';
import type { ConnectionInfo } from './connection-info';

/**
 * A postgres:// URL as discrete fields. TLS settings in the URL (sslmode, sslcert…) are dropped on
 * purpose: TLS is always on and always verified, with the CA from DATABASE_SSL_CA or the system's.
 */
export function connectionFromUrl(url: string, sslCaFile: string | undefined): ConnectionInfo {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
    ca: sslCaFile ? readFileSync(sslCaFile, 'utf8') : undefined,
  };
}

/** The application's connection and, when DATABASE_MIGRATION_URL names one, the schema owner's. */
export function externalConnections(config: DatabaseConfig): DatabaseConnections {
  return {
    app: connectionFromUrl(config.url as string, config.sslCaFile),
    owner: config.migrationUrl
      ? connectionFromUrl(config.migrationUrl, config.sslCaFile)
      : undefined,
  };
}

export interface DatabaseConnections {
  /** What the application runs as. */
  app: ConnectionInfo;
  /** The schema owner, used only for migrations; undefined when one role does everything. */
  owner?: ConnectionInfo;
}
