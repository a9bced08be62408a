import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `signing_keys`: the asymmetric access-token keys (JWT_ALGORITHM EdDSA or ES256), private keys
 * encrypted by the field cipher. Rows are never deleted by the service: a retired key simply stops
 * being published once no token it signed can still be live.
 */
export class SigningKeys1780000800000 implements MigrationInterface {
  name = 'SigningKeys1780000800000';

  async up(db: QueryRunner): Promise<void> {
    const ciphertext = String.raw`'^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$'`;
    await db.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        algorithm text NOT NULL,
        private_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        signs_from timestamptz NOT NULL,
        revoked_at timestamptz,
        CONSTRAINT signing_keys_algorithm_check CHECK (algorithm IN ('EdDSA', 'ES256')),
        CONSTRAINT signing_keys_private_key_is_ciphertext CHECK (private_key ~ ${ciphertext})
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE signing_keys');
  }
}
