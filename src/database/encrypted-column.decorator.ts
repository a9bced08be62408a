import { Column, type ColumnOptions } from 'typeorm';

/** Entity class → the properties marked @EncryptedColumn(). */
const ENCRYPTED = new WeakMap<object, string[]>();

/**
 * A text column holding field-cipher ciphertext, whose AAD binds it to its table, its column and its
 * row's primary key. Key rotation (`reencrypt`) finds every such column through this mark, so a new
 * encrypted column cannot be left behind under a key that is about to be removed.
 */
export function EncryptedColumn(options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator {
  const column = Column({ ...options, type: 'text' });
  return (prototype, property) => {
    column(prototype, property);
    const entity = prototype.constructor;
    ENCRYPTED.set(entity, [...(ENCRYPTED.get(entity) ?? []), String(property)]);
  };
}

/** The properties of `entity` marked @EncryptedColumn(), in declaration order. */
export function encryptedPropertiesOf(entity: unknown): readonly string[] {
  return (typeof entity === 'function' && ENCRYPTED.get(entity)) || [];
}
