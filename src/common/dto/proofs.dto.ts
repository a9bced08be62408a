import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PasskeyAssertion, RecoveryCode, TotpCode } from './proof-fields';
import type { PasskeyAssertionCredential } from './webauthn.dto';

/** Absent is allowed (the step-up rule decides whether it was needed); `null` is a 400 like any wrong type. */
export const Absent = (): PropertyDecorator =>
  ValidateIf((_: unknown, value: unknown) => value !== undefined);

/**
 * The second factors a request may prove itself with (one of them). Every field may be absent in
 * validation: whether a proof is needed is the step-up rule's decision, and a missing one answers
 * 401 `insufficient_user_authentication`, not 400.
 */
export class FactorProofsDto {
  @TotpCode(true)
  @Absent()
  code?: string;

  @RecoveryCode()
  @Absent()
  recoveryCode?: string;

  @PasskeyAssertion()
  @Absent()
  passkey?: PasskeyAssertionCredential;
}

/**
 * Every proof: the password or a second factor. Sensitive operations take one of them, or none when
 * the session proved a factor within STEP_UP_MAX_AGE; credential changes need the password and,
 * with a second factor on, a second factor.
 */
export class ProofsDto extends FactorProofsDto {
  @ApiPropertyOptional({ format: 'password', description: "The caller's current password" })
  @Absent()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;
}
