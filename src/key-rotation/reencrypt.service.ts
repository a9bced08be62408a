import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { FieldCipher } from '../crypto/field-cipher.service';
import { EncryptedTableRepository } from './encrypted-table.repository';
import { encryptedTablesOf, locationOf, type EncryptedTable } from './encrypted-tables';

export interface ReencryptProgress {
  /** Rows checked, over every encrypted table. */
  done: number;
  /** Rows that held a value under another key when the run started. */
  total: number;
  rewritten: number;
  /** The run was asked to stop and did, after a whole batch: run it again to finish. */
  interrupted: boolean;
}

const BATCH = 200;

/**
 * Moves every encrypted value of the schema (each @EncryptedColumn(): the users' sensitive fields,
 * TOTP secrets, queued mail) to the active key, table by table in batches ordered by primary key.
 * Idempotent and resumable: only values under another key are selected, and each UPDATE is
 * conditional on the ciphertext it read, so a run stopped half-way (or racing the owner's own
 * update) loses nothing.
 */
@Injectable()
export class ReencryptService {
  private readonly tables: EncryptedTable[];

  constructor(
    private readonly rows: EncryptedTableRepository,
    private readonly cipher: FieldCipher,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.tables = encryptedTablesOf(dataSource);
  }

  /** `stop`, once aborted, ends the run after the batch in progress. */
  async run(
    onProgress: (progress: ReencryptProgress) => void = () => undefined,
    stop?: AbortSignal,
  ): Promise<ReencryptProgress> {
    const active = this.cipher.activeTokenPrefix;
    let total = 0;
    for (const table of this.tables) total += await this.rows.countOutside(table, active);
    const progress: ReencryptProgress = { done: 0, total, rewritten: 0, interrupted: false };
    onProgress(progress);
    for (const table of this.tables) {
      for (let after: string | undefined; ;) {
        if (stop?.aborted) return { ...progress, interrupted: true };
        const batch = await this.rows.nextOutside(table, active, after, BATCH);
        if (batch.length === 0) break;
        for (const row of batch) {
          progress.rewritten += await this.reencryptRow(table, row.key, row.values);
          progress.done += 1;
        }
        after = batch[batch.length - 1].key;
        onProgress(progress);
      }
    }
    return progress;
  }

  /** Re-encrypts the row's values under another key; returns how many it replaced. */
  private async reencryptRow(
    table: EncryptedTable,
    key: string,
    values: Record<string, string | null>,
  ): Promise<number> {
    let replaced = 0;
    for (const column of table.columns) {
      const token = values[column.propertyName];
      if (!token || !this.cipher.needsReencryption(token)) continue;
      const where = locationOf(table, column, key);
      const fresh = this.cipher.encrypt(this.cipher.decrypt(token, where), where);
      if (await this.rows.replace(table, column, key, token, fresh)) replaced += 1;
    }
    return replaced;
  }
}
