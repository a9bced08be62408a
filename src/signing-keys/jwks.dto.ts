import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AsymmetricAlgorithm, PublishedJwk } from './key-material';

/** One public key (RFC 7517): Ed25519 as OKP, P-256 as EC. */
export class PublicJwk implements PublishedJwk {
  @ApiProperty({ description: 'Key id: the `kid` header of the tokens this key verifies' })
  kid!: string;

  @ApiProperty({ enum: ['OKP', 'EC'] })
  kty!: string;

  @ApiProperty({ enum: ['EdDSA', 'ES256'] })
  alg!: AsymmetricAlgorithm;

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';

  @ApiProperty({ enum: ['Ed25519', 'P-256'] })
  crv!: string;

  @ApiProperty({ description: 'Public key (base64url)' })
  x!: string;

  @ApiPropertyOptional({ description: 'P-256 only: the y coordinate (base64url)' })
  y?: string;
}

/** RFC 7517 JWK Set. */
export class JwksResponse {
  @ApiProperty({ type: [PublicJwk] })
  keys!: PublicJwk[];
}
