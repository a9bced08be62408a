import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

/** The most expired reservations one sweep deletes: the registration path never does much of it. */
const SWEEP_BATCH = 500;

/** The `username_reservations` table: the one place it is read or written. */
@Injectable()
export class UsernameReservationRepository {
  constructor(private readonly tx: Transactions) {}

  /**
   * Reserves `username` (any case) for `ttlSeconds`, in one statement: refused while an account has
   * it (compared as the users' unique index compares it) or a live reservation holds it; an expired
   * reservation is taken over. A concurrent reservation of the same name waits on the row and is
   * refused once the first commits. True when reserved.
   */
  async reserve(username: string, ttlSeconds: number): Promise<boolean> {
    // SQL: a conditional upsert checked against `users` in the same statement.
    const rows = await this.tx.manager.query<unknown[]>(
      `INSERT INTO username_reservations (username, expires_at)
       SELECT lower($1), now() + make_interval(secs => $2)
        WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))
       ON CONFLICT (username) DO UPDATE
          SET expires_at = excluded.expires_at, created_at = now()
        WHERE username_reservations.expires_at <= now()
       RETURNING 1`,
      [username, ttlSeconds],
    );
    return rows.length === 1;
  }

  /**
   * Deletes expired reservations. Rows another transaction holds are skipped, never waited for, and
   * the rows it takes are held only for this one statement: run on its own, outside a
   * registration's transaction, it cannot deadlock with one.
   */
  async sweepExpired(): Promise<void> {
    // SQL: FOR UPDATE SKIP LOCKED in a subquery, which the typed API cannot say.
    await this.tx.manager.query(
      `DELETE FROM username_reservations WHERE username IN (
         SELECT username FROM username_reservations WHERE expires_at <= now()
          LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`,
    );
  }
}
