import { ApiProperty } from '@nestjs/swagger';
import { IsMailableAddress } from '../../config/mail-validators';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { MinimumAge } from '../../users/dto/minimum-age.decorator';
import { NormaliseEmail, USERNAME_MESSAGE, USERNAME_PATTERN } from '../../users/dto/user-fields';
import { MeetsPasswordPolicy } from './meets-password-policy.decorator';

export const EMAIL_OPTIONS = {
  allow_utf8_local_part: false, // no look-alike letters from other scripts in the local part
  allow_display_name: false,
  allow_ip_domain: false,
  require_tld: true,
} as const;

export class RegisterDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.org' })
  @NormaliseEmail()
  @IsString()
  @MaxLength(254)
  // ASCII only (internationalised domains in their xn-- form): a look-alike letter from another
  // script can then never make a second account that reads like an existing one.
  @Matches(/^[\x21-\x7e]+$/, {
    message: 'email must use ASCII characters (write internationalised domains as xn--…)',
  })
  @IsEmail(EMAIL_OPTIONS, { message: 'email must be a valid email address' })
  @IsMailableAddress()
  email!: string;

  @ApiProperty({ pattern: USERNAME_PATTERN.source, example: 'ada_l' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty({
    minLength: 12,
    maxLength: 128,
    format: 'password',
    description:
      '12–128 characters with upper, lower, digit and special; not a common password; not containing the username or the email local part',
    example: 'Violet-Harbor-Lamp-42',
  })
  @MeetsPasswordPolicy({ usernameField: 'username', emailField: 'email' })
  password!: string;

  @ApiProperty({ format: 'date', example: '1990-12-10', description: 'ISO date; age at least 13' })
  @IsString()
  @MinimumAge(13)
  birthDate!: string;
}
