import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { LinkTokenDto } from './link-token.dto';

/** The policy check needs the account's username and email: PasswordResetService runs it. */
export class ResetPasswordDto extends LinkTokenDto {
  @ApiProperty({ format: 'password', minLength: 12, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}
