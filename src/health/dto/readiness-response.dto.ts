import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ReadinessResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ enum: ['up'] }) database!: 'up' | 'down';
  @ApiPropertyOptional({
    enum: ['up', 'down'],
    description:
      'Only when REDIS_URL is set. "down" while the limits count in process memory (still ready unless REDIS_REQUIRED=true)',
  })
  redis?: 'up' | 'down';
}
