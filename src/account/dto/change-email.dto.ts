import { ApiProperty } from '@nestjs/swagger';
import { IsMailableAddress } from '../../config/mail-validators';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { ProofsDto } from '../../common/dto/proofs.dto';
import { NormaliseEmail } from '../../users/dto/user-fields';
import { EMAIL_OPTIONS } from './register.dto';

/** A credential change: the proofs (the password, and a second factor when one is on) ride along. */
export class ChangeEmailDto extends ProofsDto {
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
}
