import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PasskeyRegistrationCredential } from '../../common/dto/webauthn.dto';
import type { PasskeyRow } from '../passkeys/passkey.repository';

export class RegisterPasskeyDto {
  @ApiProperty({
    type: () => PasskeyRegistrationCredential,
    description:
      "navigator.credentials.create()'s credential as JSON (credential.toJSON(), or @simplewebauthn/browser's result)",
  })
  // Only its type is checked here; @simplewebauthn verifies the credential (see webauthn.dto.ts).
  @IsObject()
  response!: PasskeyRegistrationCredential;

  @ApiPropertyOptional({ example: 'Laptop', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;
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
