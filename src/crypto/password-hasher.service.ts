import { Injectable, OnModuleInit } from '@nestjs/common';
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
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  constructor(private readonly env: Env) {}

  async onModuleInit(): Promise<void> {
    // Compared against when an account does not exist, so unknown emails cost the same time.
    this.dummyHash = await this.hash(randomBytes(32).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(this.pepper(password), this.env.BCRYPT_ROUNDS);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(this.pepper(password), hash);
  }

  /** Burns the same bcrypt work as `verify` and always fails. */
  async verifyAgainstDummy(password: string): Promise<false> {
    await bcrypt.compare(this.pepper(password), this.dummyHash);
    return false;
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
