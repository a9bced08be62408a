import type { Client } from 'pg';
import type { TestApp } from './test-app';

/** The statements of the app's connections that wait on a lock right now, by what they are. */
export interface Waiting {
  /** Writes to the users row (an UPDATE, or a SELECT … FOR UPDATE first): the change, held. */
  accountChanges: number;
  /**
   * INSERTs of rows that reference the account (a session, a known device): sign-ins past their
   * password check, held at their first write.
   */
  signInWrites: number;
}

/**
 * A database-level barrier for race tests: holds one users row `FOR UPDATE` from a connection of
 * its own. A credential change's UPDATE of that row waits on it, and so does every insert of a row
 * that references the account (its foreign key check takes `FOR KEY SHARE` on the row). A test can then see,
 * in pg_stat_activity, that the racing requests are inside the window before it lets them go,
 * instead of hoping a pause put them there.
 */
export class RowBarrier {
  private constructor(private readonly client: Client) {}

  static async holdUser(t: TestApp, userId: string): Promise<RowBarrier> {
    const client = t.db.admin();
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
    return new RowBarrier(client);
  }

  async waiting(): Promise<Waiting> {
    // Inside a transaction pg_stat_activity is a snapshot taken at its first read: drop it.
    await this.client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await this.client.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    return {
      accountChanges: rows.filter(
        (r) =>
          /^\s*UPDATE\s+"?users"?\s/i.test(r.query) ||
          (/\sFROM\s+"?users"?\s/i.test(r.query) && /\sFOR (NO KEY )?UPDATE\b/i.test(r.query)),
      ).length,
      signInWrites: rows.filter((r) =>
        /^\s*INSERT\s+INTO\s+"?(sessions|known_devices)"?\s/i.test(r.query),
      ).length,
    };
  }

  /** Polls until `enough` holds (every 20 ms, at most `timeoutMs`); the last state either way. */
  async waitFor(enough: (w: Waiting) => boolean, timeoutMs = 6_000): Promise<Waiting> {
    const deadline = Date.now() + timeoutMs;
    let state = await this.waiting();
    while (!enough(state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      state = await this.waiting();
    }
    return state;
  }

  /** Lets every held statement go (the barrier wrote nothing) and closes its connection. */
  async release(): Promise<void> {
    try {
      await this.client.query('ROLLBACK');
    } finally {
      await this.client.end();
    }
  }
}
