import { Injectable } from '@nestjs/common';
import { FieldCipher } from '../crypto/field-cipher.service';
import { SENSITIVE_FIELDS, sensitiveLocation } from './sensitive-fields';
import { SensitiveFieldRepository } from './sensitive-field.repository';

export interface ReencryptProgress {
  done: number;
  total: number;
  rewritten: number;
  /** The run was asked to stop and did, after a whole batch: run it again to finish. */
  interrupted: boolean;
}

const BATCH = 200;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Moves every encrypted field to the active key, in batches ordered by id. Idempotent and
 * resumable: only values under another key are selected, and each UPDATE is conditional on the
 * ciphertext it read, so a run stopped half-way (or racing a user's own update) loses nothing.
 */
@Injectable()
export class ReencryptService {
  constructor(
    private readonly ciphertexts: SensitiveFieldRepository,
    private readonly cipher: FieldCipher,
  ) {}

  /** `stop`, once aborted, ends the run after the batch in progress. */
  async run(
    onProgress: (progress: ReencryptProgress) => void = () => undefined,
    stop?: AbortSignal,
  ): Promise<ReencryptProgress> {
    const active = this.cipher.activeTokenPrefix;
    const total = await this.ciphertexts.countEncryptedOutside(active);
    const progress: ReencryptProgress = { done: 0, total, rewritten: 0, interrupted: false };
    onProgress(progress);
    for (let after = FIRST_ID; ;) {
      if (stop?.aborted) return { ...progress, interrupted: true };
      const rows = await this.ciphertexts.encryptedOutside(active, after, BATCH);
      if (rows.length === 0) return progress;
      for (const row of rows) {
        for (const field of SENSITIVE_FIELDS) {
          const token = row[field];
          if (!token || !this.cipher.needsReencryption(token)) continue;
          const where = sensitiveLocation(row.id, field);
          const fresh = this.cipher.encrypt(this.cipher.decrypt(token, where), where);
          if (await this.ciphertexts.replaceEncrypted(row.id, field, token, fresh))
            progress.rewritten++;
        }
        progress.done += 1;
      }
      after = rows[rows.length - 1].id;
      onProgress(progress);
    }
  }
}
