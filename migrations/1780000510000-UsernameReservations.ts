import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registration without enumeration (src/auth/registration.service.ts).
 *
 * `username_reservations`: a username (lower-cased, as the case-insensitive unique index of
 * `users` compares it) held for EMAIL_VERIFY_TTL by a registration with REQUIRE_VERIFIED_EMAIL on.
 * The name is reserved before the address is looked up, so an attempt on a taken address leaves
 * its username as taken as a successful registration would: a later 409 for it tells nothing about
 * the address. An expired row is replaced in the same upsert that reserves the name again, and
 * swept on the registration path; the index serves that sweep.
 */
export class UsernameReservations1780000510000 implements MigrationInterface {
  name = 'UsernameReservations1780000510000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE username_reservations (
        username text PRIMARY KEY CHECK (username = lower(username)),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      'CREATE INDEX username_reservations_expires_idx ON username_reservations (expires_at)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE username_reservations');
  }
}
