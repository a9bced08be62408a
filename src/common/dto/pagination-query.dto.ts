import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInteger } from '../validation/transforms';

// A repeated query parameter (`?page=1&page=2`) arrives as an array: IsInt rejects it with a 400
// instead of one value silently winning.
export class PaginationQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @Transform(toInteger)
  @IsInt({ message: 'page must be a single integer' })
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Transform(toInteger)
  @IsInt({ message: 'limit must be a single integer' })
  @Min(1)
  @Max(100)
  limit: number = 20;
}
