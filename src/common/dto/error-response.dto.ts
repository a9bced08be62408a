import { ApiProperty } from '@nestjs/swagger';

/** The uniform error body (docs/API.md "Conventions"); documented on every operation. */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['password must be at least 12 characters long.'],
  })
  message!: string | string[];
  @ApiProperty({ example: '5b8f2c1e-3a4d-4f6e-9b7a-2c1d0e9f8a7b' }) requestId!: string;
}
