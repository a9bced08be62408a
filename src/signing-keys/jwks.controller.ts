import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { JwksResponse } from './jwks.dto';
import { TokenKeys } from './token-keys.service';

/** Outside /api: the well-known location verifiers look for (RFC 8615). */
@ApiTags('signing keys')
@PublicRoute()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: TokenKeys) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    operationId: 'Keys_jwks',
    summary:
      'The public keys that may verify a live access token: the signing key, a key about to sign, and keys retired less than one access-token lifetime ago (empty with HS256)',
  })
  @ApiOkResponse({ type: JwksResponse })
  jwks(): JwksResponse {
    return this.keys.jwks();
  }
}
