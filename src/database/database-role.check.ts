import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../config/config-sections';
import { auditPrivilegeProblem } from './runtime-privileges';

/**
 * The application's role must not be able to rewrite the audit trail. With two roles
 * (DATABASE_MIGRATION_URL, or the embedded database) a start where it can is refused with one line
 * saying why; with one role (DATABASE_URL alone, a documented weaker set-up) it is a warning.
 */
@Injectable()
export class DatabaseRoleCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly config: DatabaseConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const problem = await auditPrivilegeProblem(this.dataSource);
    if (!problem) return;
    const twoRoles = !this.config.url || Boolean(this.config.migrationUrl);
    if (twoRoles) throw new Error(problem);
    this.logger.warn({ message: problem });
  }
}
