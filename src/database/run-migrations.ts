import 'reflect-metadata';
import { configOf } from '../config/config-of';
import { loadEnv } from '../config/load-env';
import { externalConnections } from './external-connection';
import { migrate } from './migrate';

/**
 * The release step in production (`node dist/database/run-migrations.js`, `npm run migration:run`,
 * the compose `migrate` service): applies pending migrations over verified TLS as the schema owner
 * (DATABASE_MIGRATION_URL, else DATABASE_URL), grants the DATABASE_URL role its privileges, exits.
 */
async function runMigrations(): Promise<void> {
  const { database } = configOf(loadEnv());
  if (!database.url)
    throw new Error('DATABASE_URL must be set (the embedded database migrates at start-up)');
  const { app, owner } = externalConnections(database);
  const applied = await migrate(owner ?? app, app.user);
  process.stdout.write(
    `${applied.length} migration(s) applied${applied.map((name) => `\n  ${name}`).join('')}\n`,
  );
}

runMigrations().catch((error: unknown) => {
  process.stderr.write(
    `migration failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
