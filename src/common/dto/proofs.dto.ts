import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PasskeyAssertion, RecoveryCode, TotpCode } from './proof-fields';

/**
 * The second factors a request may prove itself with (one of them). Every field is optional in
 * validation: whether a proof is needed is the step-up rule's decision, and a missing one answers
 * 401 `insufficient_user_authentication`, not 400.
 */
export class FactorProofsDto {
  @TotpCode(true)
  @IsOptional()
  code?: string;

  @RecoveryCode()
  @IsOptional()
  recoveryCode?: string;

  @PasskeyAssertion()
  @IsOptional()
  passkey?: Record<string, unknown>;
}

/**
 * Every proof: the password or a second factor. Sensitive operations take one of them, or none when
 * the session proved a factor within STEP_UP_MAX_AGE; credential changes need the password and,
 * with a second factor on, a second factor.
 */
export class ProofsDto extends FactorProofsDto {
  @ApiPropertyOptional({ format: 'password', description: "The caller's current password" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;
}
