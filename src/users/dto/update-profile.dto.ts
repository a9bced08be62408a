import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { USERNAME_MESSAGE, USERNAME_PATTERN } from './user-fields';

export class UpdateProfileDto {
  @ApiPropertyOptional({ pattern: USERNAME_PATTERN.source, example: 'ada_l' })
  @ValidateIf((_, value) => value !== undefined) // absent = unchanged; null is not a username
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username?: string;
}
