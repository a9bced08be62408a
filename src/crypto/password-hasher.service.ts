import { Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import { Env } from '../config/env.schema';

/**
 * Passwords are NFKC-normalised, peppered with HMAC-SHA-256 (PASSWORD_PEPPER, kept outside the
 * database) and then hashed with bcrypt. The HMAC output is 44 base64 characters, under bcrypt's
 * 72-byte limit, so every character of a long password counts: no silent truncation.
 * bcrypt runs on libuv's thread pool (async API only), never blocking the event loop.
 */
@Injectable()
export class PasswordHasher {
  constructor(private readonly env: Env) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(this.pepper(password), this.env.BCRYPT_ROUNDS);
  }

  /**
   * A hash of a random password nobody knows, at `cost`: what a login for an unknown email is
   * compared against, so that it costs as much as a real account's check.
   */
  dummyHash(cost: number): Promise<string> {
    return bcrypt.hash(this.pepper(randomBytes(32).toString('hex')), cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(this.pepper(password), hash);
  }

  /** True when the hash was made with another cost than BCRYPT_ROUNDS: rehash on next login. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) !== this.env.BCRYPT_ROUNDS;
  }

  private pepper(password: string): string {
    return createHmac('sha256', this.env.PASSWORD_PEPPER)
      .update(password.normalize('NFKC'), 'utf8')
      .digest('base64');
  }
}
