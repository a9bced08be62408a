import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sensitive fields exist only as AES-256-GCM tokens (`v1.<keyId>.<iv>.<tag>.<ciphertext>`); the
 * CHECK constraints refuse anything that is not such a token, so a plain value can never be stored.
 */
export class AddEncryptedSensitiveFields1764230500000 implements MigrationInterface {
  name = 'AddEncryptedSensitiveFields1764230500000';

  async up(db: QueryRunner): Promise<void> {
    const token = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;
    await db.query(`
      ALTER TABLE users
        ADD COLUMN ssn_encrypted text CONSTRAINT users_ssn_is_ciphertext CHECK (ssn_encrypted ~ ${token}),
        ADD COLUMN bank_account_encrypted text CONSTRAINT users_bank_account_is_ciphertext CHECK (bank_account_encrypted ~ ${token})`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE users DROP COLUMN bank_account_encrypted, DROP COLUMN ssn_encrypted',
    );
  }
}
