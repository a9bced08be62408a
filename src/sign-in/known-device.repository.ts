import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';
import type { KnownDeviceEntity } from './known-device.entity';

/** What a sign-in's fingerprint was known as before this sign-in recorded it. */
export interface DeviceSighting {
  /** When this fingerprint was last seen for the account; null when never. */
  previouslySeenAt: Date | null;
  /** How many other fingerprints the account has: 0 on its first sign-in ever. */
  otherDevices: number;
}

/** The `known_devices` table: the one place it is read or written. */
@Injectable()
export class KnownDeviceRepository {
  constructor(private readonly tx: Transactions) {}

  /** Records a sign-in from `fingerprint` and says what was known before, in one statement. */
  async recordSighting(userId: string, fingerprint: string): Promise<DeviceSighting> {
    // SQL: reads what was known and records the sighting in one round trip (a CTE before an upsert).
    const [row] = await this.tx.manager.query<
      Array<{ previouslySeenAt: KnownDeviceEntity['lastSeenAt'] | null; otherDevices: string }>
    >(
      `WITH before AS (
         SELECT (SELECT last_seen_at FROM known_devices WHERE user_id = $1 AND fingerprint = $2) AS seen,
                (SELECT count(*) FROM known_devices WHERE user_id = $1 AND fingerprint <> $2) AS others
       )
       INSERT INTO known_devices (user_id, fingerprint) VALUES ($1, $2)
       ON CONFLICT (user_id, fingerprint) DO UPDATE SET last_seen_at = now()
       RETURNING (SELECT seen FROM before) AS "previouslySeenAt", (SELECT others FROM before) AS "otherDevices"`,
      [userId, fingerprint],
    );
    return { previouslySeenAt: row.previouslySeenAt, otherDevices: Number(row.otherDevices) };
  }
}
