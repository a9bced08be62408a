import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ProofsDto } from '../../common/dto/proofs.dto';

export const SSN_PATTERN = /^\d{3}-\d{2}-\d{4}$/;
export const BANK_ACCOUNT_PATTERN = /^[A-Za-z0-9]{8,34}$/;

/**
 * A property that is absent stays as it is; `null` erases the stored value. The proofs ride along
 * (a sensitive operation).
 */
export class UpdateSensitiveDataDto extends ProofsDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '123-45-6789',
    pattern: SSN_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(SSN_PATTERN, { message: 'ssn must have the form NNN-NN-NNNN' })
  ssn?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'DE89370400440532013000',
    pattern: BANK_ACCOUNT_PATTERN.source,
  })
  @IsOptional()
  @IsString()
  @Matches(BANK_ACCOUNT_PATTERN, { message: 'bankAccount must be 8 to 34 letters and digits' })
  bankAccount?: string | null;
}

/** Reveal: the password and, with a second factor on, a second factor (`ProofsDto`). */
export class RevealSensitiveDataDto extends ProofsDto {}

export class SensitiveDataResponse {
  @ApiProperty({ type: String, nullable: true, example: '***-**-6789' }) ssn!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '****3000' }) bankAccount!: string | null;
}

export interface SensitiveValues {
  ssn: string | null;
  bankAccount: string | null;
}

export function toMaskedSensitiveData(values: SensitiveValues): SensitiveDataResponse {
  return {
    ssn: values.ssn === null ? null : `***-**-${values.ssn.slice(-4)}`,
    bankAccount: values.bankAccount === null ? null : `****${values.bankAccount.slice(-4)}`,
  };
}
