import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PasskeyAssertionCredential } from '../../common/dto/webauthn.dto';

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
    type: () => PasskeyAssertionCredential,
    description:
      "navigator.credentials.get()'s credential as JSON (credential.toJSON(), or @simplewebauthn/browser's result)",
  })
  // Only its type is checked here; @simplewebauthn verifies the credential (see webauthn.dto.ts).
  @IsObject()
  response!: PasskeyAssertionCredential;
}
