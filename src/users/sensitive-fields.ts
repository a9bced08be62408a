import type { FieldLocation } from '../crypto/field-cipher.service';

/** Field name → column; the column name is also bound into each ciphertext's AAD. */
export const SENSITIVE_COLUMNS = {
  ssn: 'ssn_encrypted',
  bankAccount: 'bank_account_encrypted',
} as const;

export type SensitiveField = keyof typeof SENSITIVE_COLUMNS;
export const SENSITIVE_FIELDS = Object.keys(SENSITIVE_COLUMNS) as SensitiveField[];

/** Ciphertext tokens of one user's sensitive fields (null where unset). */
export type EncryptedFields = Record<SensitiveField, string | null>;

/** Where a field's ciphertext lives: what its AAD binds it to. */
export function sensitiveLocation(userId: string, field: SensitiveField): FieldLocation {
  return { table: 'users', column: SENSITIVE_COLUMNS[field], rowId: userId };
}
