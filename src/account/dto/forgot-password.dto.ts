import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { NormaliseEmail } from '../../users/dto/user-fields';

/**
 * Any string up to 254 characters: a malformed address is answered like an unknown one (202),
 * so validation never becomes a second, cheaper oracle.
 */
export class ForgotPasswordDto {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.org' })
  @NormaliseEmail()
  @IsString()
  @MaxLength(254)
  email!: string;
}
