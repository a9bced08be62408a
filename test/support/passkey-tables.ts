import { randomUUID } from 'node:crypto';
import type {
  NewPasskey,
  PasskeyRepository,
  PasskeyRow,
} from '../../src/mfa/passkeys/passkey.repository';
import type {
  CeremonyPurpose,
  WebauthnChallengeRepository,
} from '../../src/mfa/passkeys/webauthn-challenge.repository';

/**
 * In-memory stand-ins for the passkey tables, for unit specs of the WebAuthn services. They keep
 * the rules the repositories' SQL keeps (one live challenge per purpose and user, spent once; a
 * counter that only grows, or stays 0), which the e2e specs hold the real tables to
 * (test/mfa/passkey-challenges.e2e-spec.ts, test/mfa/passkey-counter.e2e-spec.ts).
 */

interface ChallengeRow {
  purpose: CeremonyPurpose;
  userId: string | null;
  expiresAt: number;
}

/** webauthn_challenges, with a clock of its own that a spec moves on (the database's `now()`). */
export class ChallengeTable implements Pick<WebauthnChallengeRepository, 'create' | 'consume'> {
  readonly rows = new Map<string, ChallengeRow>();
  private now = Date.UTC(2026, 0, 1);

  /** Moves the table's clock forward, as the database's would between two requests. */
  advance(seconds: number): void {
    this.now += seconds * 1000;
  }

  create(
    challengeHash: string,
    purpose: CeremonyPurpose,
    userId: string | null,
    ttlSeconds: number,
  ): Promise<void> {
    this.rows.set(challengeHash, { purpose, userId, expiresAt: this.now + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  consume(
    challengeHash: string,
    purpose: CeremonyPurpose,
    userId: string | null,
  ): Promise<boolean> {
    const row = this.rows.get(challengeHash);
    const live =
      row !== undefined &&
      row.purpose === purpose &&
      row.userId === userId &&
      row.expiresAt > this.now;
    if (live) this.rows.delete(challengeHash);
    return Promise.resolve(live);
  }

  /** How long the challenge stored as `challengeHash` has left, in seconds. */
  secondsLeft(challengeHash: string): number | undefined {
    const row = this.rows.get(challengeHash);
    return row && (row.expiresAt - this.now) / 1000;
  }
}

/** passkeys: rows in insertion order, the credential id unique across all accounts. */
export class PasskeyTable implements Pick<
  PasskeyRepository,
  'insert' | 'listForUser' | 'findByCredentialId' | 'recordUse' | 'remove'
> {
  readonly rows: PasskeyRow[] = [];

  insert(passkey: NewPasskey): Promise<PasskeyRow | undefined> {
    if (this.rows.some((row) => row.credentialId === passkey.credentialId))
      return Promise.resolve(undefined);
    const row: PasskeyRow = {
      ...passkey,
      id: randomUUID(),
      createdAt: new Date(),
      lastUsedAt: null,
    };
    this.rows.push(row);
    return Promise.resolve({ ...row });
  }

  listForUser(userId: string): Promise<PasskeyRow[]> {
    return Promise.resolve(
      this.rows.filter((row) => row.userId === userId).map((row) => ({ ...row })),
    );
  }

  findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const row = this.rows.find((r) => r.credentialId === credentialId);
    return Promise.resolve(row && { ...row });
  }

  /** The UPDATE's condition: the counter grows, or stays 0. */
  recordUse(id: string, counter: number, backedUp: boolean): Promise<boolean> {
    const row = this.rows.find((r) => r.id === id);
    const lands =
      row !== undefined && (row.counter < counter || (row.counter === 0 && counter === 0));
    if (lands) Object.assign(row, { counter, backedUp, lastUsedAt: new Date() });
    return Promise.resolve(lands);
  }

  remove(userId: string, id: string): Promise<boolean> {
    const index = this.rows.findIndex((row) => row.userId === userId && row.id === id);
    if (index >= 0) this.rows.splice(index, 1);
    return Promise.resolve(index >= 0);
  }

  /** The stored row with `credentialId` (not a copy): what the table holds now. */
  stored(credentialId: string): PasskeyRow {
    const row = this.rows.find((r) => r.credentialId === credentialId);
    if (!row) throw new Error(`no stored passkey ${credentialId}`);
    return row;
  }
}
