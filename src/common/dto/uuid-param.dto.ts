import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';

/**
 * Path ids are UUIDs: a malformed one is a 400 before any query runs. They arrive lower-cased, as
 * PostgreSQL prints them: PostgreSQL compares uuids case-insensitively, and the service must too
 * (an admin's own id in upper case is still the admin's own id).
 */
export class UuidParamDto {
  @ApiProperty({ format: 'uuid' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
