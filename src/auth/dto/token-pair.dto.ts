import { ApiProperty } from '@nestjs/swagger';

export class TokenPair {
  @ApiProperty({ description: 'JWT (HS256), 15 minutes by default' }) accessToken!: string;
  @ApiProperty({
    required: false,
    description:
      'Opaque, single use: each refresh spends it and returns a new one. Absent with X-Token-Delivery: cookie (then only the cookie carries it)',
  })
  refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 })
  expiresIn!: number;
}
