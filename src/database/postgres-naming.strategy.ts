import { DefaultNamingStrategy, type Table } from 'typeorm';

/**
 * Names keys the way PostgreSQL names them when a migration does not: `<table>_pkey` and
 * `<table>_<columns>_fkey`. The migrations rely on those defaults, so an entity states no key name
 * and still agrees with the catalog (test/database/schema-agreement.e2e-spec.ts checks every name).
 */
export class PostgresNamingStrategy extends DefaultNamingStrategy {
  override primaryKeyName(tableOrName: Table | string): string {
    return `${this.unqualified(tableOrName)}_pkey`;
  }

  override foreignKeyName(tableOrName: Table | string, columnNames: string[]): string {
    return `${this.unqualified(tableOrName)}_${columnNames.join('_')}_fkey`;
  }

  private unqualified(tableOrName: Table | string): string {
    return this.getTableName(tableOrName).split('.').pop() as string;
  }
}
