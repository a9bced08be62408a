import type { DataSource, EntityMetadata } from 'typeorm';
import type { FieldLocation } from '../crypto/field-cipher.service';
import { encryptedPropertiesOf } from '../database/encrypted-column.decorator';

/** A column's TypeORM metadata (the class itself is not exported from the package root). */
export type ColumnMetadata = EntityMetadata['columns'][number];

/** A table with @EncryptedColumn() columns, and the primary key their AAD binds each value to. */
export interface EncryptedTable {
  entity: EntityMetadata;
  key: ColumnMetadata;
  columns: ColumnMetadata[];
}

/**
 * Every encrypted column of the schema, found through its entity's mark. A value's AAD is its table,
 * its column and its row's primary key (users.ssn_encrypted of user 42), so the key must be one column.
 */
export function encryptedTablesOf(dataSource: DataSource): EncryptedTable[] {
  return dataSource.entityMetadatas.flatMap((entity) => {
    const properties = encryptedPropertiesOf(entity.target);
    if (properties.length === 0) return [];
    if (entity.primaryColumns.length !== 1)
      throw new Error(`${entity.tableName}: an encrypted column needs a one-column primary key`);
    const columns = properties.map((property) => {
      const column = entity.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${entity.tableName}.${property}: not a column`);
      return column;
    });
    return [{ entity, key: entity.primaryColumns[0], columns }];
  });
}

/** Where one value lives: what its AAD binds it to. */
export function locationOf(
  table: EncryptedTable,
  column: ColumnMetadata,
  rowId: string,
): FieldLocation {
  return { table: table.entity.tableName, column: column.databaseName, rowId };
}
