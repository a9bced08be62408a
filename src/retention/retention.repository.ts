import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

/** Rows deleted per statement: short transactions and locks, whatever the backlog. */
const BATCH = 5_000;

/**
 * What retention deletes, table by table: rows whose purpose has ended, once the grace period has
 * passed too (kept that long for investigating an incident). Each rule is one SQL condition on
 * the table's own row `r`. A table's dependants go with it (refresh tokens with their session).
 */
export const RETENTION_RULES = {
  /** Revoked, or past its idle or absolute end. Its refresh tokens (spent ones kept for reuse detection) go with it. */
  sessions: `r.revoked_at < now() - $1::interval OR least(r.expires_at, r.idle_expires_at) < now() - $1::interval`,
  /** Verification, reset and email-change links: spent or expired. */
  account_tokens: `least(coalesce(r.spent_at, r.expires_at), r.expires_at) < now() - $1::interval`,
  /** Sign-ins waiting for their second factor: spent or expired. */
  mfa_challenges: `least(coalesce(r.spent_at, r.expires_at), r.expires_at) < now() - $1::interval`,
  /** WebAuthn challenges: expired (a used one is deleted when used). */
  webauthn_challenges: `r.expires_at < now() - $1::interval`,
  /** Provider sign-ins' one-time codes: expired (an exchanged one is deleted when exchanged). */
  provider_sign_in_codes: `r.expires_at < now() - $1::interval`,
  /** Spent provider `state`s: expired (their flow cookies can no longer be presented). */
  provider_spent_states: `r.expires_at < now() - $1::interval`,
  /** Usernames held for an unverified registration: expired. */
  username_reservations: `r.expires_at < now() - $1::interval`,
  /**
   * Devices not seen in the new-device window and the grace period, except each account's most
   * recent one: with none left, the next sign-in would set a new baseline and send no notice.
   */
  known_devices: `r.last_seen_at < now() - $2::interval - $1::interval
    AND EXISTS (SELECT 1 FROM known_devices n WHERE n.user_id = r.user_id AND n.last_seen_at > r.last_seen_at)`,
  /** Networks not seen in the mail-quota window and the grace period (they no longer count). */
  known_networks: `r.last_seen_at < now() - $2::interval - $1::interval`,
} as const;

export type RetainedTable = keyof typeof RETENTION_RULES;

@Injectable()
export class RetentionRepository {
  constructor(private readonly tx: Transactions) {}

  /**
   * Deletes `table`'s ended rows, in batches; returns how many. `grace` and `window` are
   * PostgreSQL intervals ('30 days').
   */
  async prune(table: RetainedTable, grace: string, window: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      // SQL: a bounded DELETE by ctid; the table and the condition are constants of this file.
      const [, count] = await this.tx.manager.query<[unknown[], number]>(
        `DELETE FROM ${table} WHERE ctid IN (
           SELECT r.ctid FROM ${table} r WHERE ${RETENTION_RULES[table]} LIMIT ${BATCH})`,
        // PostgreSQL refuses a parameter the statement does not use: pass the window only to rules that read it.
        RETENTION_RULES[table].includes('$2') ? [grace, window] : [grace],
      );
      deleted += count;
      if (count < BATCH) return deleted;
    }
  }
}
