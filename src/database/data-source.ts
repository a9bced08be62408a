import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnv } from '../config/load-env';
import { externalConnection } from './external-connection';
import { typeormOptions } from './typeorm-options';

/**
 * For the TypeORM CLI (`npm run migration:run|revert|generate`): the same verified-TLS options as
 * the app. It needs DATABASE_URL; the embedded development database migrates itself at start-up.
 */
const env = loadEnv();
if (!env.DATABASE_URL) {
  throw new Error(
    'DATABASE_URL must be set for the migration CLI (the embedded database migrates at start-up)',
  );
}

export default new DataSource({
  ...typeormOptions(externalConnection(env), false),
  entities: [`${__dirname}/../**/*.entity.js`],
});
