import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { RecoveryCode, TotpCode } from '../../common/dto/proof-fields';

/** The second step of a login: the `mfaToken` and either a TOTP code or a recovery code. */
export class VerifyMfaDto {
  @ApiProperty({ description: 'From the login answer; 5 minutes, single use' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  mfaToken!: string;

  /** Required unless `recoveryCode` is given. */
  @TotpCode(true)
  @ValidateIf((dto: VerifyMfaDto) => dto.recoveryCode === undefined || dto.code !== undefined)
  code?: string;

  @RecoveryCode()
  @ValidateIf((dto: VerifyMfaDto) => dto.recoveryCode !== undefined)
  recoveryCode?: string;
}

export class MfaChallengeResponse {
  @ApiProperty({ enum: [true] }) mfaRequired!: true;

  @ApiProperty({ description: 'Opaque; 5 minutes, single use, dead after 5 wrong codes' })
  mfaToken!: string;

  @ApiProperty({
    type: [String],
    enum: ['totp', 'recovery_code', 'passkey'],
    description: 'How the second step can be taken',
  })
  methods!: Array<'totp' | 'recovery_code' | 'passkey'>;
}
