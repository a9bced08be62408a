import { Injectable, InternalServerErrorException, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUp, type ProofFields } from '../common/auth/step-up';
import type { ClientContext } from '../common/http/client-context';
import { FieldCipher } from '../crypto/field-cipher.service';
import { Transactions } from '../database/transactions';
import type { SensitiveValues, UpdateSensitiveDataDto } from './dto/sensitive-data.dto';
import { SENSITIVE_FIELDS, sensitiveLocation, type EncryptedFields } from './sensitive-fields';
import { SensitiveFieldRepository } from './sensitive-field.repository';

/** Reads and writes the encrypted fields of the caller's own row; plaintext never touches the database. */
@Injectable()
export class SensitiveDataService {
  private readonly logger = new Logger('SensitiveData');

  constructor(
    private readonly ciphertexts: SensitiveFieldRepository,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly stepUp: StepUp,
  ) {}

  /** A sensitive operation: one proof in the body, or one this session made recently (StepUp). */
  async update(
    caller: AuthenticatedUser,
    dto: UpdateSensitiveDataDto,
    client: ClientContext,
  ): Promise<void> {
    const { password, code, recoveryCode, passkey } = dto;
    await this.stepUp.forSensitiveOperation(
      caller,
      { password, code, recoveryCode, passkey },
      client,
    );
    const fields = SENSITIVE_FIELDS.filter((field) => dto[field] !== undefined);
    if (fields.length === 0) return;
    const values: Partial<EncryptedFields> = {};
    for (const field of fields) {
      const value = dto[field];
      values[field] =
        value === null || value === undefined
          ? null
          : this.cipher.encrypt(value, sensitiveLocation(caller.id, field));
    }
    await this.tx.run(async () => {
      await this.ciphertexts.writeEncrypted(caller.id, values);
      await this.audit.record({
        type: 'user.sensitive.updated',
        userId: caller.id,
        client,
        metadata: { fields },
      });
    });
  }

  read(caller: AuthenticatedUser, client: ClientContext): Promise<SensitiveValues> {
    return this.decrypt(caller.id, client);
  }

  /**
   * Clear values need the password in this request, and with a second factor on a second factor
   * too (the credential-change rule): a stolen access token (or token and password) alone cannot
   * read them.
   */
  async reveal(
    caller: AuthenticatedUser,
    proofs: ProofFields,
    client: ClientContext,
  ): Promise<SensitiveValues> {
    await this.stepUp.forCredentialChange(caller, proofs, client);
    const values = await this.decrypt(caller.id, client);
    await this.audit.record({
      type: 'user.sensitive.revealed',
      userId: caller.id,
      client,
      metadata: { fields: SENSITIVE_FIELDS },
    });
    return values;
  }

  private async decrypt(userId: string, client: ClientContext): Promise<SensitiveValues> {
    const stored = await this.ciphertexts.readEncrypted(userId);
    const values: SensitiveValues = { ssn: null, bankAccount: null };
    for (const field of SENSITIVE_FIELDS) {
      const token = stored[field];
      if (!token) continue;
      try {
        values[field] = this.cipher.decrypt(token, sensitiveLocation(userId, field));
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
