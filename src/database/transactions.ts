import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

interface UnitOfWork {
  manager: EntityManager;
  afterCommit: Array<() => void>;
}

/**
 * The unit of work: services wrap the steps of one change in `run()`, and every repository call
 * inside it, however deep, joins that transaction through `manager`. Services therefore never see
 * TypeORM, and a repository never needs a manager passed in. The store is per instance (not a
 * process-wide singleton), so two applications in one process never share a transaction.
 */
@Injectable()
export class Transactions {
  private readonly current = new AsyncLocalStorage<UnitOfWork>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in a new transaction, or inside the caller's when one is already open. */
  async run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.active) return work();
    const unit: UnitOfWork = { manager: this.dataSource.manager, afterCommit: [] };
    const body = async (manager: EntityManager): Promise<T> => {
      unit.manager = manager;
      if (options.readOnly) await manager.query('SET TRANSACTION READ ONLY');
      return this.current.run(unit, work);
    };
    const result = options.isolation
      ? await this.dataSource.transaction(options.isolation, body)
      : await this.dataSource.transaction(body);
    for (const callback of unit.afterCommit) callback();
    return result;
  }

  /**
   * Runs `callback` once the current transaction has committed (never if it rolls back), or at
   * once outside a transaction. For effects outside the database that must not get ahead of it.
   */
  afterCommit(callback: () => void): void {
    const unit = this.current.getStore();
    if (unit) unit.afterCommit.push(callback);
    else callback();
  }

  /** The open transaction's manager, or the pool's outside any transaction. */
  get manager(): EntityManager {
    return this.current.getStore()?.manager ?? this.dataSource.manager;
  }

  get active(): boolean {
    return this.current.getStore() !== undefined;
  }
}
