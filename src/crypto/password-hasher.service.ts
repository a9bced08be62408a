import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { CryptoOptions } from './crypto-options';

/**
 * Passwords are NFKC-normalised, peppered with HMAC-SHA-256 (PASSWORD_PEPPER, kept outside the
 * database) and then hashed with bcrypt. The HMAC output is 44 base64 characters, under bcrypt's
 * 72-byte limit, so every character of a long password counts: no silent truncation.
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

  constructor(private readonly options: CryptoOptions) {}

  hash(password: string): Promise<string> {
    return this.slots(() => bcrypt.hash(this.pepper(password), this.options.bcryptRounds));
  }

  /**
   * A hash of a random password nobody knows, at `cost`: what a login for an unknown email is
   * compared against, so that it costs as much as a real account's check.
   */
  dummyHash(cost: number): Promise<string> {
    return this.slots(() => bcrypt.hash(this.pepper(randomBytes(32).toString('hex')), cost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.slots(() => bcrypt.compare(this.pepper(password), hash));
  }

  /** True when the hash was made with another cost than BCRYPT_ROUNDS: rehash on next login. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) !== this.options.bcryptRounds;
  }

  private pepper(password: string): string {
    return createHmac('sha256', this.options.passwordPepper)
      .update(password.normalize('NFKC'), 'utf8')
      .digest('base64');
  }
}

/** libuv's thread pool size: UV_THREADPOOL_SIZE when set, else its default of 4. */
function libuvPoolSize(): number {
  const configured = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}
