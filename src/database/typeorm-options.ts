import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { TLS_CLIENT_POLICY } from '../crypto/tls-policy';
import type { ConnectionInfo } from './connection-info';
import { ENTITIES } from './entities';
import { PostgresNamingStrategy } from './postgres-naming.strategy';

/** Compiled code loads dist/migrations/*.js; ts (jest, CLI from sources) loads migrations/*.ts. */
export const MIGRATIONS_GLOB = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', 'migrations', '*.ts')
  : join(__dirname, '..', 'migrations', '*.js');

const MIGRATION_CONNECT_TIMEOUT_MS = 30_000;

/**
 * The one place TypeORM's connection is described, shared by the app and the migration runner
 * (which runs migrations itself, as the schema owner: database/migrate.ts).
 * `rejectUnauthorized: true` with no `checkServerIdentity` override: the chain and the host name
 * are both verified, exactly like libpq's sslmode=verify-full; versions and suites per TLS_CLIENT_POLICY.
 */
export function typeormOptions(
  connection: ConnectionInfo,
  /** DB_STATEMENT_TIMEOUT_MS for the application; 0 (none) for migrations, which may run long. */
  statementTimeoutMs: number,
): DataSourceOptions {
  return {
    type: 'postgres',
    host: connection.host,
    port: connection.port,
    username: connection.user,
    password: connection.password,
    database: connection.database,
    ssl: { ca: connection.ca, rejectUnauthorized: true, ...TLS_CLIENT_POLICY },
    // The entities describe the schema; only migrations change it.
    entities: ENTITIES,
    // Key names as PostgreSQL gives them, which the migrations rely on.
    namingStrategy: new PostgresNamingStrategy(),
    synchronize: false,
    // gen_random_uuid() (PostgreSQL 13+ core) is the default of the uuid keys, as in the migrations;
    // the application's role creates no extensions.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    extra: {
      max: 20,
      // Waiting for a free pooled connection (or opening one) times out like a statement does.
      connectionTimeoutMillis: statementTimeoutMs || MIGRATION_CONNECT_TIMEOUT_MS,
      // Kept for 5 minutes: a connection opened in a burst serves the next one instead of a new
      // TLS and SCRAM handshake (whose key derivation queues on libuv's pool behind bcrypt).
      idleTimeoutMillis: 300_000,
      // Set on every connection by the server: a statement over it is cancelled (57014).
      statement_timeout: statementTimeoutMs,
      // A transaction left idle (a crashed handler) never holds its locks for long.
      idle_in_transaction_session_timeout: statementTimeoutMs * 6,
    },
  };
}
