import { ConflictException, Injectable, Logger } from '@nestjs/common';
import type { FieldLocation } from '../crypto/field-cipher.service';
import { FieldCipher } from '../crypto/field-cipher.service';
import { TotpRepository } from './totp.repository';
import { matchingStep, newTotpSecret, otpauthUri, qrSvg } from './totp-codes';

/** The AAD of a user's TOTP secret: bound to its row, so a ciphertext copied to another user fails. */
export const totpSecretLocation = (userId: string): FieldLocation => ({
  table: 'mfa_totp',
  column: 'secret',
  rowId: userId,
});

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

/** The authenticator-app factor: its pending and confirmed secret, and accepting a code once. */
@Injectable()
export class TotpService {
  private readonly logger = new Logger('Totp');

  constructor(
    private readonly totp: TotpRepository,
    private readonly cipher: FieldCipher,
  ) {}

  /** A new pending secret; a 409 when one is already confirmed (disable it first). */
  async begin(userId: string, issuer: string, label: string): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const stored = await this.totp.savePending(
      userId,
      this.cipher.encrypt(secret, totpSecretLocation(userId)),
    );
    if (!stored) throw new ConflictException('An authenticator app is already enabled');
    const uri = otpauthUri(secret, issuer, label);
    return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
  }

  /** Whether the user has a confirmed authenticator. */
  async isEnabled(userId: string): Promise<boolean> {
    return (await this.totp.find(userId))?.confirmed ?? false;
  }

  /** Whether the user has a pending (unconfirmed) secret. */
  async isPending(userId: string): Promise<boolean> {
    const row = await this.totp.find(userId);
    return row !== undefined && !row.confirmed;
  }

  /**
   * Accepts `code` once: true when it matches the confirmed secret (or, with `confirming`, the
   * pending one, which it then confirms) for a time step later than any accepted before.
   */
  async accept(userId: string, code: string, confirming = false): Promise<boolean> {
    const row = await this.totp.find(userId);
    if (!row || row.confirmed === confirming) return false;
    const step = matchingStep(this.decrypt(userId, row.secret), code);
    if (step === undefined) return false;
    return this.totp.useStep(userId, step, confirming);
  }

  /** Removes the authenticator; true when a confirmed one was removed. */
  remove(userId: string): Promise<boolean> {
    return this.totp.remove(userId);
  }

  private decrypt(userId: string, token: string): string {
    try {
      return this.cipher.decrypt(token, totpSecretLocation(userId));
    } catch (error) {
      // Tampered or moved ciphertext: no code can match it; the operator sees why, the caller does not.
      this.logger.error({
        message: 'TOTP secret failed authentication',
        userId,
        error: (error as Error).name,
      });
      throw error;
    }
  }
}
