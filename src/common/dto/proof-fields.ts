import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PasskeyAssertionCredential } from './webauthn.dto';

/** The 6 digits an authenticator app shows (RFC 6238); `optional` only documents it so (pair with ValidateIf). */
export const TotpCode = (optional = false): PropertyDecorator =>
  applyDecorators(
    (optional ? ApiPropertyOptional : ApiProperty)({
      example: '492039',
      pattern: '^\\d{6}$',
      description: 'The 6-digit code the authenticator app shows now',
    }),
    IsString(),
    Matches(/^\d{6}$/, { message: 'code must be 6 digits' }),
  );

/** A recovery code as shown (`xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx`); case, dashes and spaces do not matter. */
export const RecoveryCode = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ example: '7k2m-q9xd-4hce-vb8p-0tnw' }),
    IsString(),
    MinLength(20),
    MaxLength(40),
  );

export const CurrentPassword = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({ format: 'password', description: "The caller's current password" }),
    IsString(),
    MinLength(1),
    MaxLength(1024),
  );

/**
 * A passkey assertion offered as a proof: the browser's PublicKeyCredential as JSON. Only its type
 * is checked here; @simplewebauthn verifies the credential (see webauthn.dto.ts).
 */
export const PasskeyAssertion = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      type: () => PasskeyAssertionCredential,
      description:
        'A passkey assertion (PublicKeyCredential.toJSON()) for options from POST /api/auth/step-up/passkey/options',
    }),
    IsObject(),
  );
