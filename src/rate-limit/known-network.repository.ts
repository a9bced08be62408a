import { Injectable } from '@nestjs/common';
import { Raw } from 'typeorm';
import { Transactions } from '../database/transactions';
import { KnownNetworkEntity } from './known-network.entity';

/** The `known_networks` table: the one place it is read or written. */
@Injectable()
export class KnownNetworkRepository {
  constructor(private readonly tx: Transactions) {}

  /**
   * Records a sign-in from `fingerprint`, and forgets the account's fingerprints not seen within
   * `keepDays`: they no longer count, so there is no reason to hold them.
   */
  async record(userId: string, fingerprint: string, keepDays: number): Promise<void> {
    // SQL: the upsert and the forgetting are one statement (one round trip per sign-in).
    await this.tx.manager.query(
      `WITH forgotten AS (
         DELETE FROM known_networks
          WHERE user_id = $1 AND fingerprint <> $2 AND last_seen_at < now() - make_interval(days => $3)
       )
       INSERT INTO known_networks (user_id, fingerprint) VALUES ($1, $2)
       ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_seen_at = now()`,
      [userId, fingerprint, keepDays],
    );
  }

  /** Whether the account signed in from `fingerprint` within the last `days` days. */
  seenWithin(userId: string, fingerprint: string, days: number): Promise<boolean> {
    return this.tx.manager.getRepository(KnownNetworkEntity).existsBy({
      userId,
      fingerprint,
      lastSeenAt: Raw((at) => `${at} >= now() - make_interval(days => :days)`, { days }),
    });
  }
}
