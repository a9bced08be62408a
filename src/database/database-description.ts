import type { INestApplication } from '@nestjs/common';
import type { DatabaseConfig } from '../config/config-sections';
import { EmbeddedDatabaseService } from './embedded/embedded-database.service';

/** Which PostgreSQL the app uses, for the start-up banner: never a user name or a password. */
export function describeDatabase(app: INestApplication, config: DatabaseConfig): string {
  if (config.url) {
    const url = new URL(config.url);
    return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname} over verified TLS`;
  }
  const embedded = app.get(EmbeddedDatabaseService, { strict: false }).describe();
  return embedded ?? 'embedded PostgreSQL (not started)';
}
