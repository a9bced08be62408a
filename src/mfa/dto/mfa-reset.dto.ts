import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ProofsDto } from '../../common/dto/proofs.dto';

/** An admin's reset of a user's factors: the admin's proof, and why (docs/ACCOUNTS.md, "Lost factors"). */
export class MfaResetDto extends ProofsDto {
  @ApiPropertyOptional({
    maxLength: 500,
    example: 'Ticket 4711: lost phone; identity proven by video call against the ID on file',
    description:
      "Why the factors go and how the user's identity was proven: recorded in the audit trail, never mailed to the user",
  })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason?: string;
}
