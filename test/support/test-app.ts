import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import passport from 'passport';
import { AppModule } from '../../src/app.module';
import { createApp } from '../../src/app.setup';
import type { Env } from '../../src/config/env.schema';
import { loadEnv } from '../../src/config/load-env';
import type { DatabaseConfig } from '../../src/config/config-sections';
import { externalConnections } from '../../src/database/external-connection';
import { migrate } from '../../src/database/migrate';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  env: Env;
  db: TestDatabase;
  /** Base URL of the app listening on a real loopback port. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the app exactly as main.ts does (createApp + AppModule.forRoot), on its own database and
 * a random loopback port. `overrides` are raw environment values, validated like production's.
 * `db`, when given, is shared (several instances of one deployment); the caller then drops it.
 * LOG_LEVEL defaults to 'error' to keep jest output readable: a spec that inspects console lines
 * passes its own LOG_LEVEL. A PORT override is listened on (a spec whose PUBLIC_APP_URL must name
 * the port picks a free one first).
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  // One DATA_DIR per database: apps sharing a database share its dev secrets (pepper, JWT, keys),
  // like instances of one deployment do.
  const dir = join(tmpdir(), `snf-app-${database.name}`);
  mkdirSync(dir, { recursive: true });
  const env = loadEnv({
    NODE_ENV: 'test',
    DATA_DIR: join(dir, 'data'),
    LOG_DIR: join(dir, 'logs'),
    LOG_LEVEL: 'error', // keeps jest output readable; security.log in LOG_DIR still gets everything
    BCRYPT_ROUNDS: '4',
    DATABASE_URL: database.url,
    DATABASE_MIGRATION_URL: database.migrationUrl ?? '',
    DATABASE_SSL_CA: database.caFile ?? '',
    ...overrides,
  });
  const earlierJwtStrategy = jwtStrategy();
  const app = await createApp(AppModule.forRoot(env), env);
  const ownJwtStrategy = jwtStrategy();
  await app.listen({ host: '127.0.0.1', port: overrides.PORT ? env.PORT : 0 });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    env,
    db: database,
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      // @nestjs/passport registers every app's 'jwt' strategy in passport's one registry per
      // process: the last app started verifies every app's tokens, through its own database. An
      // app started beside a spec's app (another configuration for one test) hands the
      // registration back as it closes, so the spec's app goes on verifying its own tokens.
      if (earlierJwtStrategy && jwtStrategy() === ownJwtStrategy)
        passport.use('jwt', earlierJwtStrategy);
      if (!db) await database.drop();
    },
  };
}

/**
 * A fresh database with the migrations applied the way production applies them: as a release
 * step before the service starts (a spawned production service never migrates on its own).
 */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  const { app, owner } = externalConnections({
    url: db.url,
    migrationUrl: db.migrationUrl,
    sslCaFile: db.caFile,
  } as DatabaseConfig);
  await migrate(owner ?? app, app.user);
  return db;
}

/** The strategy passport holds under 'jwt' now (`_strategy` is passport's own lookup). */
function jwtStrategy(): passport.Strategy | undefined {
  return (
    passport as unknown as { _strategy(name: string): passport.Strategy | undefined }
  )._strategy('jwt');
}
