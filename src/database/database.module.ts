import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Env } from '../config/env.schema';
import { EmbeddedDatabaseService } from './embedded-database.service';
import { externalConnection } from './external-connection';
import { typeormOptions } from './typeorm-options';

@Module({
  providers: [EmbeddedDatabaseService],
  exports: [EmbeddedDatabaseService],
})
class EmbeddedDatabaseModule {}

/**
 * PostgreSQL over verified TLS: DATABASE_URL when set, otherwise (never in production) the embedded
 * cluster. Migrations run at start-up outside production; in production they are a release step.
 */
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
})
export class DatabaseModule {}
