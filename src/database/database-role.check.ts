import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../config/env.schema';
import { auditPrivilegeProblem } from './runtime-privileges';

/**
 * With two roles (DATABASE_MIGRATION_URL, or the embedded database) the application's role must not
 * be able to rewrite the audit trail; a start where it can is refused with one line saying why.
 */
@Injectable()
export class DatabaseRoleCheck implements OnApplicationBootstrap {
  constructor(
    private readonly env: Env,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.DATABASE_URL && !this.env.DATABASE_MIGRATION_URL) return; // one role, documented
    const problem = await auditPrivilegeProblem(this.dataSource);
    if (problem) throw new Error(problem);
  }
}
