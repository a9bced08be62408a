import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** Path ids are UUIDs: a malformed one is a 400 before any query runs. */
export class UuidParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
