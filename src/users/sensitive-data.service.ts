import {
  Injectable,
  InternalServerErrorException,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/decorators/current-user.decorator';
import type { ClientContext } from '../common/http/client-context';
import { FieldCipher } from '../crypto/field-cipher.service';
import { PasswordHasher } from '../crypto/password-hasher.service';
import type { SensitiveValues, UpdateSensitiveDataDto } from './dto/sensitive-data.dto';

/** Field name → column; the column name is also bound into each ciphertext's AAD. */
export const SENSITIVE_COLUMNS = {
  ssn: 'ssn_encrypted',
  bankAccount: 'bank_account_encrypted',
} as const;
type Field = keyof typeof SENSITIVE_COLUMNS;
const FIELDS = Object.keys(SENSITIVE_COLUMNS) as Field[];

/** Reads and writes the encrypted fields of the caller's own row; plaintext never touches the database. */
@Injectable()
export class SensitiveDataService {
  private readonly logger = new Logger('SensitiveData');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cipher: FieldCipher,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  async update(
    caller: AuthenticatedUser,
    dto: UpdateSensitiveDataDto,
    client: ClientContext,
  ): Promise<void> {
    const fields = FIELDS.filter((field) => dto[field] !== undefined);
    if (fields.length === 0) return;
    const sets = fields.map((field, i) => `${SENSITIVE_COLUMNS[field]} = $${i + 2}`);
    const values = fields.map((field) => {
      const value = dto[field];
      return value === null || value === undefined
        ? null
        : this.cipher.encrypt(value, location(caller.id, field));
    });
    await this.db.transaction(async (manager) => {
      await manager.query(`UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, [
        caller.id,
        ...values,
      ]);
      await this.audit.record(
        { type: 'user.sensitive.updated', userId: caller.id, client, metadata: { fields } },
        manager,
      );
    });
  }

  read(caller: AuthenticatedUser, client: ClientContext): Promise<SensitiveValues> {
    return this.decryptRow(caller.id, client);
  }

  /** Clear values need the password again: a stolen access token alone cannot read them. */
  async reveal(
    caller: AuthenticatedUser,
    password: string,
    client: ClientContext,
  ): Promise<SensitiveValues> {
    const [row] = await this.db.query<Array<{ password_hash: string }>>(
      'SELECT password_hash FROM users WHERE id = $1',
      [caller.id],
    );
    if (!row || !(await this.hasher.verify(password, row.password_hash))) {
      throw new UnauthorizedException('Password is incorrect');
    }
    const values = await this.decryptRow(caller.id, client);
    await this.audit.record({
      type: 'user.sensitive.revealed',
      userId: caller.id,
      client,
      metadata: { fields: FIELDS },
    });
    return values;
  }

  private async decryptRow(userId: string, client: ClientContext): Promise<SensitiveValues> {
    const [row] = await this.db.query<Array<Record<string, string | null>>>(
      'SELECT ssn_encrypted, bank_account_encrypted FROM users WHERE id = $1',
      [userId],
    );
    const values: SensitiveValues = { ssn: null, bankAccount: null };
    for (const field of FIELDS) {
      const token = row?.[SENSITIVE_COLUMNS[field]];
      if (!token) continue;
      try {
        values[field] = this.cipher.decrypt(token, location(userId, field));
      } catch (error) {
        // Tampered, moved or unreadable ciphertext: never return data, record who and where, keep serving.
        this.logger.error({
          message: 'sensitive field failed authentication',
          userId,
          field,
          error: (error as Error).name,
        });
        await this.audit.record({
          type: 'user.sensitive.decrypt_failed',
          userId,
          client,
          metadata: { field, rowId: userId },
        });
        throw new InternalServerErrorException('Stored data could not be read');
      }
    }
    return values;
  }
}

export function location(
  userId: string,
  field: Field,
): { table: string; column: string; rowId: string } {
  return { table: 'users', column: SENSITIVE_COLUMNS[field], rowId: userId };
}
