import { ApiProperty } from '@nestjs/swagger';

/** The presented access token's claims, answered only while its session is live. */
export class LiveSessionResponse {
  @ApiProperty({ format: 'uuid', description: 'The user id' })
  sub!: string;

  @ApiProperty({ format: 'uuid', description: 'The session id' })
  sid!: string;

  @ApiProperty({ type: [String], example: ['pwd', 'otp'], description: 'RFC 8176 methods' })
  amr!: string[];

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'When the session last proved a factor (epoch seconds)',
  })
  auth_time!: number | null;

  @ApiProperty({ description: "The token's expiry (epoch seconds)" })
  exp!: number;
}
