import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import type { PasskeyRow } from '../passkeys/passkey.repository';

const CREDENTIAL_JSON =
  "The browser's PublicKeyCredential as JSON (credential.toJSON(), or @simplewebauthn/browser's result)";

export class RegisterPasskeyDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: CREDENTIAL_JSON })
  @IsObject()
  response!: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Laptop', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
}

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
  @ApiProperty({ type: 'object', additionalProperties: true, description: CREDENTIAL_JSON })
  @IsObject()
  response!: Record<string, unknown>;
}

export class PasskeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: [String], example: ['internal', 'hybrid'] }) transports!: string[];
  @ApiProperty({ description: 'The authenticator may sync it (a multi-device passkey)' })
  backupEligible!: boolean;
  @ApiProperty({ description: 'It is synced or backed up now' }) backedUp!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
}

export function toPasskeyResponse(row: PasskeyRow): PasskeyResponse {
  return {
    id: row.id,
    name: row.name,
    transports: row.transports,
    backupEligible: row.backupEligible,
    backedUp: row.backedUp,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
