import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CryptoOptions } from '../crypto/crypto-options';
import { PasswordHasher } from '../crypto/password-hasher.service';
import { UserRepository } from './user.repository';

const REFRESH_MS = 10 * 60_000;

/**
 * What a login for an email without an account is checked against: a dummy hash at the bcrypt
 * cost most stored hashes have. Right after a BCRYPT_ROUNDS change the accounts still carry the old
 * cost until their owners log in again (and are rehashed); a dummy at the new cost would answer
 * unknown emails measurably slower or faster, telling which emails exist. The cost is re-read in the
 * background (never on a request), so the dummy follows the accounts as they are rehashed.
 */
@Injectable()
export class UnknownAccountService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('UnknownAccount');
  private dummy?: { cost: number; hash: string };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly crypto: CryptoOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Burns the bcrypt work of a typical account's check, and fails. */
  async verify(password: string): Promise<false> {
    this.dummy ??= await this.dummyAt(this.crypto.bcryptRounds);
    await this.hasher.verify(password, this.dummy.hash);
    return false;
  }

  async refresh(): Promise<void> {
    try {
      const cost = (await this.users.mostCommonHashCost()) ?? this.crypto.bcryptRounds;
      if (cost !== this.dummy?.cost) this.dummy = await this.dummyAt(cost);
    } catch (error) {
      this.logger.warn({
        message: 'could not read the typical password hash cost; keeping the current dummy',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async dummyAt(cost: number): Promise<{ cost: number; hash: string }> {
    return { cost, hash: await this.hasher.dummyHash(cost) };
  }
}
