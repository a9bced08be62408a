import type { INestApplication } from '@nestjs/common';
import type { Env } from '../config/env.schema';
import { EmbeddedDatabaseService } from './embedded/embedded-database.service';

/** Which PostgreSQL the app uses, for the start-up banner: never a user name or a password. */
export function describeDatabase(app: INestApplication, env: Env): string {
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname} over verified TLS`;
  }
  const embedded = app.get(EmbeddedDatabaseService, { strict: false }).describe();
  return embedded ?? 'embedded PostgreSQL (not started)';
}
