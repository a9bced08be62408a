/** A key's place in time, as the database has it. */
export interface ScheduledKey {
  kid: string;
  /** Epoch ms: when it starts signing. */
  signsFrom: number;
  revoked: boolean;
}

/** A revoked key, by its times alone (its private key is never read again). */
export interface RevokedKey {
  signsFrom: number;
  revokedAt: number;
}

export interface KeySchedule<K extends ScheduledKey> {
  /** The key that signs at `now`: the live one with the latest start not in the future. */
  signing: K | undefined;
  /** Keys yet to sign (published ahead). */
  pending: K[];
  /**
   * Keys that may have signed a token still alive at `now`, with the moment each stopped signing:
   * the signing key and pending ones (no end), and keys superseded less than one access-token
   * lifetime ago. These, and only these, verify tokens and are published in the JWKS.
   */
  published: Array<{ key: K; signsUntil: number | undefined }>;
}

/**
 * Where each key stands at `now` (epoch ms, by the database's clock): a key signs from its own
 * start until the next key's start. Revoked keys neither sign nor verify; one `revoked` after it
 * had started still ended its predecessor's turn at its start, so revoking it never hands that
 * turn back (which would publish a long-retired predecessor again).
 */
export function keyScheduleAt<K extends ScheduledKey>(
  keys: readonly K[],
  now: number,
  accessTtlMs: number,
  revoked: readonly RevokedKey[] = [],
): KeySchedule<K> {
  const live = keys.filter((key) => !key.revoked).sort((a, b) => a.signsFrom - b.signsFrom);
  const handovers = [
    ...live.map((key) => key.signsFrom),
    ...revoked.filter((key) => key.signsFrom <= key.revokedAt).map((key) => key.signsFrom),
  ].sort((a, b) => a - b);
  const schedule: KeySchedule<K> = { signing: undefined, pending: [], published: [] };
  live.forEach((key) => {
    const signsUntil = handovers.find((start) => start > key.signsFrom);
    if (key.signsFrom > now) schedule.pending.push(key);
    else if (signsUntil === undefined || signsUntil > now) schedule.signing = key;
    if (signsUntil === undefined || signsUntil > now - accessTtlMs)
      schedule.published.push({ key, signsUntil });
  });
  return schedule;
}
