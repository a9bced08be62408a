import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { configOf } from '../config/config-of';
import { loadEnv } from '../config/load-env';
import { externalConnections } from './external-connection';
import { typeormOptions } from './typeorm-options';

/**
 * For the TypeORM CLI (`npm run migration:revert`): the schema owner's connection
 * (DATABASE_MIGRATION_URL, else DATABASE_URL) with the same verified-TLS options as the app.
 */
const { database } = configOf(loadEnv());
if (!database.url) {
  throw new Error(
    'DATABASE_URL must be set for the migration CLI (the embedded database migrates at start-up)',
  );
}
const { app, owner } = externalConnections(database);

export default new DataSource(typeormOptions(owner ?? app, 0));
