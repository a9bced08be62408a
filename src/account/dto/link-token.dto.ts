import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** The token of a one-time link (`#token=…`), posted back by the page the link opens. */
export class LinkTokenDto {
  @ApiProperty({ description: 'The token from the link', minLength: 1, maxLength: 256 })
  @IsString()
  @Length(1, 256)
  token!: string;
}
