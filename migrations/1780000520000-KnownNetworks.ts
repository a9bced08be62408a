import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `known_networks`: the networks (/24 IPv4, /64 IPv6) an account signed in from, as an HMAC of
 * (user, network), never a raw address. The mail quota asks it whether a request for a link comes
 * from a network the owner used in the last 90 days, which then counts in the owner's own bucket.
 * Kept apart from `known_devices` because it is written on every sign-in (that table only while
 * the new sign-in notice is on) and answers a question about the network alone.
 */
export class KnownNetworks1780000520000 implements MigrationInterface {
  name = 'KnownNetworks1780000520000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE known_networks (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, fingerprint)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE known_networks');
  }
}
