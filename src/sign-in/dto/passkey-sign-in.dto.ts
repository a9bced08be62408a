import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

export class PasskeyOptionsDto {
  @ApiPropertyOptional({
    description:
      "From the login answer: options for that account's passkeys (second step). Without it: passwordless sign-in with a discoverable passkey",
  })
  // Absent means passwordless; null is not absent (a 400, not a passwordless ceremony).
  @ValidateIf((_: unknown, value: unknown) => value !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  mfaToken?: string;
}

export class AuthenticatePasskeyDto extends PasskeyOptionsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "The browser's PublicKeyCredential as JSON (credential.toJSON(), or @simplewebauthn/browser's result)",
  })
  @IsObject()
  response!: Record<string, unknown>;
}
