import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { Absent, FactorProofsDto } from '../../common/dto/proofs.dto';

/**
 * A credential change: the current password, and with a second factor on a second factor too. The
 * new password's policy check needs the account's username and email: PasswordService runs it.
 */
export class ChangePasswordDto extends FactorProofsDto {
  @ApiPropertyOptional({
    format: 'password',
    description: 'The current password (required: without it the answer is 401)',
  })
  @Absent()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  currentPassword?: string;

  @ApiProperty({ format: 'password', minLength: 12, maxLength: 128 })
  @IsString()
  newPassword!: string;
}
