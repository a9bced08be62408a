import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

/**
 * The unit of work: services wrap the steps of one change in `run()`, and every repository call
 * inside it, however deep, joins that transaction through `manager`. Services therefore never see
 * TypeORM, and a repository never needs a manager passed in. The store is per instance (not a
 * process-wide singleton), so two applications in one process never share a transaction.
 */
@Injectable()
export class Transactions {
  private readonly current = new AsyncLocalStorage<EntityManager>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in a new transaction, or inside the caller's when one is already open. */
  run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.active) return work();
    const body = async (manager: EntityManager): Promise<T> => {
      if (options.readOnly) await manager.query('SET TRANSACTION READ ONLY');
      return this.current.run(manager, work);
    };
    return options.isolation
      ? this.dataSource.transaction(options.isolation, body)
      : this.dataSource.transaction(body);
  }

  /** The open transaction's manager, or the pool's outside any transaction. */
  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  get active(): boolean {
    return this.current.getStore() !== undefined;
  }
}
