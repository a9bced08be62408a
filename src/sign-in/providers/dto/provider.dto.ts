import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class IdentityProviderResponse {
  @ApiProperty({ example: 'google', description: 'The id in /api/auth/oidc/<id>/…' })
  id!: string;

  @ApiProperty({ example: 'Google', description: 'What a sign-in button says' })
  name!: string;
}

export class OidcExchangeDto {
  @ApiProperty({
    description: 'The one-time code from the fragment of PUBLIC_APP_URL/signed-in#code=…',
  })
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'code must be the code from the sign-in fragment' })
  code!: string;
}

export class AuthorizeUrlResponse {
  @ApiProperty({
    description:
      "The provider's authorization URL: navigate the browser there (the flow cookie is set)",
  })
  authorizeUrl!: string;
}

export class IdentityResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'github', description: 'The provider id it was linked through' })
  provider!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The provider's address when it was linked (shown only; never the account's)",
  })
  email!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;
}
