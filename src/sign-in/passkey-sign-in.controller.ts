import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { FastifyReply } from 'fastify';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { PasskeyRequestOptions } from '../common/dto/webauthn.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { TokenPair } from '../auth/dto/token-pair.dto';
import { AuthenticatePasskeyDto, PasskeyOptionsDto } from './dto/passkey-sign-in.dto';
import { PasskeySignInService } from './passkey-sign-in.service';
import { answerSignedIn, type DeliveredTokens } from './refresh-cookie';
import { ApiTokenDelivery } from './token-delivery.decorator';

/** Signing in with a passkey: the second step of a sign-in (with its mfaToken), or passwordless. */
@ApiTags('mfa')
@PublicRoute()
@ApiErrors(400, 429)
@Controller('auth/passkeys/authentication')
export class PasskeySignInController {
  constructor(private readonly passkeys: PasskeySignInService) {}

  @Post('options')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Options for navigator.credentials.get(): with an mfaToken for its account, without one for a discoverable passkey',
  })
  // A passwordless ceremony may send no body at all.
  @ApiBody({ type: PasskeyOptionsDto, required: false })
  @ApiOkResponse({
    type: PasskeyRequestOptions,
    description: 'PublicKeyCredentialRequestOptionsJSON: hand to navigator.credentials.get()',
  })
  @ApiErrors(
    [
      400,
      'Validation failed, or The link is invalid or has expired: a credential change killed the mfaToken',
    ],
    [401, 'mfaToken expired, spent or dead'],
  )
  options(@Body() dto: PasskeyOptionsDto): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.passkeys.options(dto.mfaToken);
  }

  @Post('verify')
  @ApiTokenDelivery()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Sign in with the browser's assertion: amr pwd+hwk with an mfaToken, hwk+user without (user verification required); sets the __Host-refresh_token cookie",
  })
  @ApiOkResponse({ type: TokenPair })
  @ApiErrors(
    [
      400,
      'Validation failed, or The link is invalid or has expired: a credential change killed the mfaToken',
    ],
    [401, 'The passkey could not be verified, or the mfaToken is no longer valid'],
    [403, 'email not verified (REQUIRE_VERIFIED_EMAIL)'],
  )
  async verify(
    @Body() dto: AuthenticatePasskeyDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliveredTokens> {
    return answerSignedIn(reply, await this.passkeys.verify(dto.mfaToken, dto.response, client));
  }
}
