import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Env } from '../config/env.schema';
import { EmbeddedDatabaseService } from './embedded-database.service';
import { externalConnection } from './external-connection';
import { Transactions } from './transactions';
import { typeormOptions } from './typeorm-options';

@Module({
  providers: [EmbeddedDatabaseService],
  exports: [EmbeddedDatabaseService],
})
class EmbeddedDatabaseModule {}

/**
 * PostgreSQL over verified TLS: DATABASE_URL when set, otherwise (never in production) the embedded
 * cluster. Migrations run at start-up outside production; in production they are a release step.
 * Global: every feature's repositories join the current unit of work through `Transactions`.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [Env, EmbeddedDatabaseService],
      useFactory: async (env: Env, embedded: EmbeddedDatabaseService) => {
        const connection = env.DATABASE_URL ? externalConnection(env) : await embedded.start();
        return { ...typeormOptions(connection, !env.isProduction), autoLoadEntities: true };
      },
    }),
  ],
  providers: [Transactions],
  exports: [Transactions],
})
export class DatabaseModule {}
