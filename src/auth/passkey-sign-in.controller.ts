import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { FastifyReply } from 'fastify';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthenticatePasskeyDto, PasskeyOptionsDto } from '../mfa/dto/passkey.dto';
import { PasskeyAuthenticationService } from '../mfa/passkeys/passkey-authentication.service';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { SessionsService } from '../sessions/sessions.service';
import { TokenPair } from './dto/token-pair.dto';
import { setRefreshCookie } from './refresh-cookie';
import { SignInService } from './sign-in.service';

/** Signing in with a passkey: the second step of a login (with its mfaToken), or passwordless. */
@ApiTags('mfa')
@PublicRoute()
@ApiErrors(400, 429)
@Controller('auth/passkeys/authentication')
export class PasskeySignInController {
  constructor(
    private readonly passkeys: PasskeyAuthenticationService,
    private readonly signIn: SignInService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('options')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Options for navigator.credentials.get(): with an mfaToken for its account, without one for a discoverable passkey',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      additionalProperties: true,
      description: 'PublicKeyCredentialRequestOptionsJSON',
    },
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
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Sign in with the browser's assertion: amr pwd+hwk with an mfaToken, hwk+user without (user verification required); sets the refresh_token cookie",
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
  ): Promise<TokenPair> {
    const response = dto.response as unknown as AuthenticationResponseJSON;
    const proven =
      dto.mfaToken === undefined
        ? await this.passkeys.passwordless(response, client)
        : await this.passkeys.secondFactor(dto.mfaToken, response, client);
    const pair = await this.signIn.open(proven, client);
    setRefreshCookie(reply, pair.refreshToken, this.sessions.refreshTtlSeconds);
    return pair;
  }
}
