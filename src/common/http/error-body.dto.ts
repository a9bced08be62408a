import { ApiProperty } from '@nestjs/swagger';
import type { ErrorBody } from './error-response';

/** OpenAPI schema of the uniform error body every error response carries. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'A sentence, or one per failed rule for validation errors (400)',
    example: ['limit must not be greater than 100'],
  })
  message!: string | string[];

  @ApiProperty({ example: '3f2b8c1e-4a5d-4e6f-8a9b-0c1d2e3f4a5b' })
  requestId!: string;
}
