import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.service';
import { location, SENSITIVE_COLUMNS } from './sensitive-data.service';

export interface ReencryptProgress {
  done: number;
  total: number;
  rewritten: number;
}

const BATCH = 200;

/**
 * Moves every encrypted field to the active key, in batches ordered by id. Idempotent and
 * resumable: only values under another key are selected, and each UPDATE is conditional on the
 * ciphertext it read, so a run stopped half-way (or racing a user's own update) loses nothing.
 */
@Injectable()
export class ReencryptService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  async run(
    onProgress: (progress: ReencryptProgress) => void = () => undefined,
  ): Promise<ReencryptProgress> {
    const active = `v1.${this.cipher.activeKeyId}.%`;
    const stale = Object.values(SENSITIVE_COLUMNS)
      .map((c) => `(${c} IS NOT NULL AND ${c} NOT LIKE $1)`)
      .join(' OR ');
    const [{ count }] = await this.db.query<Array<{ count: string }>>(
      `SELECT count(*) FROM users WHERE ${stale}`,
      [active],
    );
    const progress: ReencryptProgress = { done: 0, total: Number(count), rewritten: 0 };
    onProgress(progress);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.db.query<Array<Record<string, string | null>>>(
        `SELECT id, ssn_encrypted, bank_account_encrypted FROM users WHERE id > $2 AND (${stale}) ORDER BY id LIMIT ${BATCH}`,
        [active, after],
      );
      if (rows.length === 0) return progress;
      for (const row of rows) {
        progress.rewritten += await this.rewriteRow(row);
        progress.done += 1;
      }
      after = rows[rows.length - 1].id as string;
      onProgress(progress);
    }
  }

  private async rewriteRow(row: Record<string, string | null>): Promise<number> {
    let rewritten = 0;
    for (const [field, column] of Object.entries(SENSITIVE_COLUMNS) as Array<
      [keyof typeof SENSITIVE_COLUMNS, string]
    >) {
      const token = row[column];
      if (!token || !this.cipher.needsReencryption(token)) continue;
      const where = location(row.id as string, field);
      const fresh = this.cipher.encrypt(this.cipher.decrypt(token, where), where);
      const result = await this.db.query<[unknown[], number]>(
        `UPDATE users SET ${column} = $1 WHERE id = $2 AND ${column} = $3`,
        [fresh, row.id, token],
      );
      rewritten += result[1];
    }
    return rewritten;
  }
}
