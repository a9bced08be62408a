import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { USERNAME_MESSAGE, USERNAME_PATTERN } from './user-fields';

export class UpdateProfileDto {
  @ApiPropertyOptional({ pattern: USERNAME_PATTERN.source, example: 'ada_l' })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username?: string;
}
