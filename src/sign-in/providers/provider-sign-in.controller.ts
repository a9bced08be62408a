import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenPair } from '../../auth/dto/token-pair.dto';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { ApiErrors } from '../../common/decorators/api-errors.decorator';
import { CurrentUser } from '../../common/decorators/current-user.decorator';
import { Authenticated, PublicRoute } from '../../common/decorators/route-access.decorator';
import { StepUpErrors } from '../../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../../common/dto/proofs.dto';
import { Client, type ClientContext } from '../../common/http/client-context';
import { IdentityProvidersConfig } from '../../config/config-sections';
import { FieldCipher } from '../../crypto/field-cipher.service';
import { AuthAttempt } from '../../logging/auth-attempt.decorator';
import { annotateAuthFailure, annotateUserId } from '../../logging/security-log.hook';
import { StepUp } from '../../common/auth/step-up';
import { MfaChallengeResponse } from '../dto/second-step.dto';
import { answerSignedIn, type DeliveredTokens } from '../refresh-cookie';
import { ApiTokenDelivery } from '../token-delivery.decorator';
import {
  AuthorizeUrlResponse,
  IdentityProviderResponse,
  OidcExchangeDto,
} from './dto/provider.dto';
import { setFlowCookie, takeFlowCookie } from './flow-cookie';
import { setResultCookie, takeResultCookie } from './provider-result-cookie';
import { ProviderSignInService } from './provider-sign-in.service';

const REDIRECT_DESCRIPTION =
  'To PUBLIC_APP_URL/signed-in#code=<one-time, 60 s> with the __Host-oidc_result cookie, to PUBLIC_APP_URL/settings#linked=<id> after a link, or to PUBLIC_APP_URL/signed-in#error=<access_denied | invalid_state | invalid_response | email_not_verified | link_required | identity_in_use | account_disabled | provider_unavailable>';

/** Sign-in with an identity provider: the redirect out, the callback, the code exchange, linking. */
@ApiTags('auth')
@ApiErrors(400, 429)
@Controller('auth/oidc')
export class ProviderSignInController {
  constructor(
    private readonly providers: ProviderSignInService,
    private readonly cipher: FieldCipher,
    private readonly stepUp: StepUp,
    private readonly config: IdentityProvidersConfig,
  ) {}

  @Get('providers')
  @PublicRoute()
  @ApiOperation({ summary: 'The identity providers users may sign in with (OIDC_PROVIDERS)' })
  @ApiOkResponse({ type: [IdentityProviderResponse] })
  list(): IdentityProviderResponse[] {
    return this.providers.list();
  }

  @Get(':id/authorize')
  @PublicRoute()
  @AuthAttempt()
  @ApiOperation({
    summary:
      'Start a provider sign-in: 302 to the provider (code flow, PKCE S256, state, nonce), the flow sealed in the __Host-oidc_flow cookie (10 minutes, one use)',
  })
  @ApiFoundResponse({
    description:
      'To the provider; or, when it cannot be reached, to PUBLIC_APP_URL/signed-in#error=provider_unavailable',
  })
  @ApiErrors([404, 'No identity provider with this id'])
  async authorize(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Client() client: ClientContext,
  ): Promise<void> {
    const provider = this.providers.provider(id);
    let started: Awaited<ReturnType<ProviderSignInService['begin']>>;
    try {
      started = await this.providers.begin(provider);
    } catch (error) {
      // Audited and logged like a failed callback, so a provider that is down is seen at once.
      const failed = await this.providers.failed(provider, error, client);
      annotateAuthFailure(request, failed.reason);
      this.redirect(reply, failed.location);
      return;
    }
    setFlowCookie(reply, this.cipher, started.flow);
    this.redirect(reply, started.url);
  }

  @Get(':id/callback')
  @PublicRoute()
  @AuthAttempt()
  @ApiOperation({
    summary:
      "The provider's redirect back: state, iss (RFC 9207) and the ID token checked, then the linked account, a link by verified address, or a new account",
  })
  @ApiFoundResponse({ description: REDIRECT_DESCRIPTION })
  @ApiErrors([404, 'No identity provider with this id'])
  async callback(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Client() client: ClientContext,
  ): Promise<void> {
    const provider = this.providers.provider(id);
    const flow = takeFlowCookie(request, reply, this.cipher, provider.id);
    // The redirect URI as registered (PUBLIC_API_URL may carry a path that a proxy strips) with the
    // provider's query: openid-client redeems the code with it, less the query, as redirect_uri.
    const callbackUrl = new URL(
      `${this.config.publicApiUrl}/api/auth/oidc/${provider.id}/callback`,
    );
    callbackUrl.search = new URL(request.url, callbackUrl).search;
    const outcome = await this.providers.callback(provider, callbackUrl, flow, client);
    if (outcome.userId) annotateUserId(request, outcome.userId);
    if (outcome.kind === 'failed') annotateAuthFailure(request, outcome.reason);
    if (outcome.kind === 'signed_in') setResultCookie(reply, outcome.binding);
    this.redirect(reply, outcome.location);
  }

  @Post('exchange')
  @PublicRoute()
  @AuthAttempt()
  @ApiTokenDelivery()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Exchange the one-time code of a provider sign-in (with its __Host-oidc_result cookie) for a token pair and the refresh cookie, or the MFA step',
  })
  @ApiExtraModels(TokenPair, MfaChallengeResponse)
  @ApiOkResponse({
    description:
      'A token pair (and the refresh cookie); or, with a second factor on, an MFA challenge: complete it with POST /api/auth/mfa/verify',
    schema: {
      oneOf: [{ $ref: getSchemaPath(TokenPair) }, { $ref: getSchemaPath(MfaChallengeResponse) }],
    },
  })
  @ApiErrors(
    [
      400,
      'The link is invalid or has expired: no such code, spent, expired, another browser (no or another __Host-oidc_result cookie), or the credentials changed since',
    ],
    [403, 'email not verified (REQUIRE_VERIFIED_EMAIL)'],
  )
  async exchange(
    @Body() dto: OidcExchangeDto,
    @Client() client: ClientContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliveredTokens | MfaChallengeResponse> {
    const binding = takeResultCookie(request, reply);
    const outcome = await this.providers.exchange(dto.code, binding, client);
    if ('mfaRequired' in outcome) return outcome;
    return answerSignedIn(reply, outcome);
  }

  @Post(':id/link')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Link a provider identity to the caller's account (a credential change): answers the URL to send the browser to and sets the flow cookie; the callback links while this session lives",
  })
  @ApiOkResponse({ type: AuthorizeUrlResponse })
  @StepUpErrors('credential')
  @ApiErrors([404, 'No identity provider with this id'], [503, 'The provider cannot be reached'])
  async link(
    @Param('id') id: string,
    @Body() dto: ProofsDto,
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthorizeUrlResponse> {
    const provider = this.providers.provider(id);
    await this.stepUp.forCredentialChange(user, dto, client);
    const { url, flow } = await this.providers.beginOrUnavailable(provider, {
      userId: user.id,
      sessionId: user.sessionId,
    });
    setFlowCookie(reply, this.cipher, flow);
    return { authorizeUrl: url };
  }

  private redirect(reply: FastifyReply, location: string): void {
    // Nothing on the way to or back from a provider may be cached: it carries one-time values.
    void reply.header('Cache-Control', 'no-store').redirect(location, 302);
  }
}
