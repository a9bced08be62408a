import { Injectable } from '@nestjs/common';
import { sha256Hex } from '../crypto/digest';
import { generateRecoveryCode, normaliseRecoveryCode } from '../crypto/random';
import { RecoveryCodeRepository } from './recovery-code.repository';

export const RECOVERY_CODE_COUNT = 10;
/** 28 characters; 20 for a set issued before codes grew to 140 bits, good until it is regenerated. */
const RECOVERY_CODE = /^(?:[0-9a-z]{28}|[0-9a-z]{20})$/;

/**
 * A plain SHA-256 is enough here, unlike for passwords: each code carries 140 random bits, so a
 * leaked digest cannot be reversed by guessing, and a slow hash would only slow the login down.
 */
const digestOf = (code: string): string => sha256Hex(normaliseRecoveryCode(code));

/** Recovery codes: ten, shown once, stored as digests, each good for one sign-in. */
@Injectable()
export class RecoveryCodesService {
  constructor(private readonly codes: RecoveryCodeRepository) {}

  /** A new set of codes (inside the caller's transaction); every older code stops working. */
  async issue(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    await this.codes.replace(userId, codes.map(digestOf));
    return codes;
  }

  /** True, once, for an unused code of the user. */
  consume(userId: string, code: string): Promise<boolean> {
    if (!RECOVERY_CODE.test(normaliseRecoveryCode(code))) return Promise.resolve(false);
    return this.codes.consume(userId, digestOf(code));
  }

  remaining(userId: string): Promise<number> {
    return this.codes.countUnused(userId);
  }

  removeAll(userId: string): Promise<void> {
    return this.codes.removeAll(userId);
  }
}
