import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { CryptoOptions } from './crypto-options';
import { SecretRing } from './secret-ring';

/** The id of a lone PASSWORD_PEPPER, and of every stored hash that names none (older hashes). */
export const DEFAULT_PEPPER_ID = 'p1';
/** Stored form: `<bcrypt hash>#<pepper id>`. bcrypt's alphabet has no `#`, so the split is exact. */
const PEPPER_ID_SEPARATOR = '#';

/**
 * Passwords are NFKC-normalised, peppered with HMAC-SHA-256 (PASSWORD_PEPPER, kept outside the
 * database) and then hashed with bcrypt. The HMAC output is 44 base64 characters, under bcrypt's
 * 72-byte limit, so every character of a long password counts: no silent truncation.
 * A stored hash names its pepper (`<bcrypt>#<id>`), so the pepper can be rotated: a hash under a
 * retired pepper (PASSWORD_PEPPERS_PREVIOUS) still verifies and is renewed at the next sign-in.
 * bcrypt runs on libuv's thread pool (async API only), never blocking the event loop.
 */
@Injectable()
export class PasswordHasher {
  /**
   * bcrypt runs on libuv's thread pool, which also runs pg's SCRAM key derivation for every new
   * database connection, file writes and DNS lookups. Capped one below the pool's size, so a storm
   * of logins never leaves those without a thread: a new pool connection queued behind a dozen
   * bcrypt jobs would time out, and its login answer 503. On 2 cores this costs no throughput
   * (three bcrypt jobs keep both cores busy).
   */
  private readonly slots = pLimit(Math.max(1, libuvPoolSize() - 1));

  private readonly peppers: SecretRing;

  constructor(private readonly options: CryptoOptions) {
    this.peppers = new SecretRing(
      { id: options.passwordPepperId ?? DEFAULT_PEPPER_ID, secret: options.passwordPepper },
      options.previousPasswordPeppers,
      { idVariable: 'PASSWORD_PEPPER_ID', previousVariable: 'PASSWORD_PEPPERS_PREVIOUS' },
    );
  }

  async hash(password: string): Promise<string> {
    const peppered = pepper(this.peppers.activeKey, password);
    const hash = await this.slots(() => bcrypt.hash(peppered, this.options.bcryptRounds));
    return this.stored(hash);
  }

  /**
   * A hash of a random password nobody knows, at `cost`: what a login for an unknown email is
   * compared against, so that it costs as much as a real account's check.
   */
  async dummyHash(cost: number): Promise<string> {
    const peppered = pepper(this.peppers.activeKey, randomBytes(32).toString('hex'));
    return this.stored(await this.slots(() => bcrypt.hash(peppered, cost)));
  }

  /**
   * False for a wrong password, and for a hash whose pepper is no longer configured (its owner
   * must reset the password); the bcrypt work is done either way, so neither answers sooner.
   */
  verify(password: string, stored: string): Promise<boolean> {
    const { bcryptHash, pepperId } = splitStoredHash(stored);
    const key = this.peppers.key(pepperId);
    const peppered = pepper(key ?? this.peppers.activeKey, password);
    return this.slots(
      async () => (await bcrypt.compare(peppered, bcryptHash)) && key !== undefined,
    );
  }

  /**
   * True when the hash was made with another cost than BCRYPT_ROUNDS or under another pepper than
   * the active one: rehash on the next successful login.
   */
  needsRehash(stored: string): boolean {
    const { bcryptHash, pepperId } = splitStoredHash(stored);
    return (
      bcrypt.getRounds(bcryptHash) !== this.options.bcryptRounds ||
      pepperId !== this.peppers.activeId
    );
  }

  private stored(bcryptHash: string): string {
    return `${bcryptHash}${PEPPER_ID_SEPARATOR}${this.peppers.activeId}`;
  }
}

/** HMAC-SHA-256 of the NFKC-normalised password, base64: what bcrypt is given. */
function pepper(key: KeyObject, password: string): string {
  return createHmac('sha256', key).update(password.normalize('NFKC'), 'utf8').digest('base64');
}

/** A hash without an id is from before ids: made under the default pepper. */
function splitStoredHash(stored: string): { bcryptHash: string; pepperId: string } {
  const at = stored.lastIndexOf(PEPPER_ID_SEPARATOR);
  if (at < 0) return { bcryptHash: stored, pepperId: DEFAULT_PEPPER_ID };
  return { bcryptHash: stored.slice(0, at), pepperId: stored.slice(at + 1) };
}

/** libuv's thread pool size: UV_THREADPOOL_SIZE when set, else its default of 4. */
function libuvPoolSize(): number {
  const configured = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}
