import { ApiProperty } from '@nestjs/swagger';
import { IsMailableAddress } from '../../../config/mail-validators';
import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NormaliseEmail } from '../../../users/dto/user-fields';
import { EMAIL_OPTIONS } from '../../dto/register.dto';

export class ChangeEmailDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.net' })
  @NormaliseEmail()
  @IsString()
  @MaxLength(254)
  @Matches(/^[\x21-\x7e]+$/, {
    message: 'newEmail must use ASCII characters (write internationalised domains as xn--…)',
  })
  @IsEmail(EMAIL_OPTIONS, { message: 'newEmail must be a valid email address' })
  @IsMailableAddress()
  newEmail!: string;

  @ApiProperty({ format: 'password', description: 'The current password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}
