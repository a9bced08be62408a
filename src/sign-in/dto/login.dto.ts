import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { NormaliseEmail } from '../../users/dto/user-fields';

/** Only shape checks here: a login must never tell which rule an existing password breaks. */
export class LoginDto {
  @ApiProperty({ format: 'email', example: 'ada@example.org' })
  @NormaliseEmail()
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email!: string;

  @ApiProperty({ format: 'password', example: 'Violet-Harbor-Lamp-42' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}
