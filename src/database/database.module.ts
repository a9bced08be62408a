import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UnavailableErrors } from '../common/http/unavailable-errors';
import { DatabaseConfig } from '../config/config-sections';
import { EmbeddedDatabaseService } from './embedded/embedded-database.service';
import { DatabaseHealth } from './database-health';
import { DatabaseRoleCheck } from './database-role.check';
import { externalConnections } from './external-connection';
import { migrate } from './migrate';
import { isDatabaseUnavailable } from './postgres-errors';
import { Transactions } from './transactions';
import { typeormOptions } from './typeorm-options';

/** Between two tries to reach the database at start-up (DB_CONNECT_ATTEMPTS). */
const CONNECT_RETRY_DELAY_MS = 3_000;

@Module({
  providers: [EmbeddedDatabaseService],
  exports: [EmbeddedDatabaseService],
})
class EmbeddedDatabaseModule {}

/**
 * PostgreSQL over verified TLS: DATABASE_URL when set, otherwise (never in production) the embedded
 * cluster. Migrations run at start-up outside production, as the schema owner (DATABASE_MIGRATION_URL,
 * or the embedded cluster's owner role); in production they are a release step
 * (dist/database/run-migrations.js). Global: repositories join the unit of work through `Transactions`.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [DatabaseConfig, EmbeddedDatabaseService],
      useFactory: async (config: DatabaseConfig, embedded: EmbeddedDatabaseService) => {
        const { app, owner } = config.url ? externalConnections(config) : await embedded.start();
        if (config.migrateAtStart) await migrate(owner ?? app, app.user);
        return {
          ...typeormOptions(app, config.statementTimeoutMs),
          retryAttempts: config.connectAttempts - 1,
          retryDelay: CONNECT_RETRY_DELAY_MS,
        };
      },
    }),
  ],
  providers: [
    Transactions,
    DatabaseRoleCheck,
    DatabaseHealth,
    // An unreachable or timed-out database answers 503 with Retry-After (AllExceptionsFilter).
    { provide: UnavailableErrors, useValue: { matches: isDatabaseUnavailable } },
  ],
  exports: [Transactions, DatabaseHealth, UnavailableErrors],
})
export class DatabaseModule {}
