import { Injectable } from '@nestjs/common';
import { Brackets, type SelectQueryBuilder, type WhereExpressionBuilder } from 'typeorm';
import { Transactions } from '../database/transactions';
import type { ColumnMetadata, EncryptedTable } from './encrypted-tables';

/** One row's primary key and its ciphertexts, by column property (null where unset). */
export interface CiphertextRow {
  key: string;
  values: Record<string, string | null>;
}

/** The encrypted columns of any table, for key rotation's batches: the one place they are read in bulk. */
@Injectable()
export class EncryptedTableRepository {
  constructor(private readonly tx: Transactions) {}

  /** How many rows of `table` hold a value whose token does not start with `activePrefix`. */
  countOutside(table: EncryptedTable, activePrefix: string): Promise<number> {
    return this.outside(table, activePrefix).getCount();
  }

  /** The next rows (by primary key, after `after`) holding a value not under `activePrefix`. */
  async nextOutside(
    table: EncryptedTable,
    activePrefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<CiphertextRow[]> {
    const key = `t.${table.key.propertyName}`;
    const query = this.outside(table, activePrefix).select(key, 'key');
    for (const column of table.columns)
      query.addSelect(`t.${column.propertyName}`, column.propertyName);
    if (after !== undefined) query.andWhere(`${key} > :after`, { after });
    const rows = await query.orderBy(key).limit(limit).getRawMany<Record<string, string | null>>();
    return rows.map((row) => ({
      key: String(row.key),
      values: Object.fromEntries(table.columns.map((c) => [c.propertyName, row[c.propertyName]])),
    }));
  }

  /** Replaces one ciphertext only if it is still `expected` (a concurrent write wins); true if replaced. */
  async replace(
    table: EncryptedTable,
    column: ColumnMetadata,
    key: string,
    expected: string,
    fresh: string,
  ): Promise<boolean> {
    const { affected } = await this.tx.manager
      .getRepository<object>(table.entity.target)
      .update(
        { [table.key.propertyName]: key, [column.propertyName]: expected },
        { [column.propertyName]: fresh },
      );
    return affected === 1;
  }

  private outside(table: EncryptedTable, activePrefix: string): SelectQueryBuilder<object> {
    return this.tx.manager
      .getRepository<object>(table.entity.target)
      .createQueryBuilder('t')
      .where(
        new Brackets((any: WhereExpressionBuilder) => {
          for (const column of table.columns) {
            const value = `t.${column.propertyName}`;
            any.orWhere(`(${value} IS NOT NULL AND NOT starts_with(${value}, :activePrefix))`, {
              activePrefix,
            });
          }
        }),
      );
  }
}
