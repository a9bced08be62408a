import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import {
  Authenticated,
  BearerOrRefreshCookie,
  OpenBeforeSecondFactor,
  PublicRoute,
} from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { HttpConfig } from '../config/config-sections';
import { MfaChallengeResponse } from './dto/second-step.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { LoginDto } from './dto/login.dto';
import { PasswordSignInService } from './password-sign-in.service';
import { SignInService } from './sign-in.service';
import { RefreshDto } from './dto/refresh.dto';
import { TokenPair } from '../auth/dto/token-pair.dto';
import {
  answerSignedIn,
  clearRefreshCookie,
  refreshCookieOf,
  type DeliveredTokens,
} from './refresh-cookie';
import { ApiTokenDelivery } from './token-delivery.decorator';

/** What a logout answers besides 204: the cookie expired and the browser's stored data dropped. */
const SIGNED_OUT = {
  description: 'Signed out: the refresh cookie expires (Max-Age=0)',
  headers: {
    'Clear-Site-Data': {
      description:
        'Always `"cache", "storage"` (not `"cookies"`, which would reach the whole domain)',
      schema: { type: 'string' },
    },
  },
};

/**
 * The password step, refresh and logout. The operation ids are the ones these routes had under the
 * auth controller, where the OpenAPI contract first named them.
 */
@ApiTags('auth')
@ApiErrors(400, 429)
@Controller('auth')
export class SignInController {
  /** Where a cookie refresh may come from: the service itself (PUBLIC_APP_URL) and CORS_ORIGINS. */
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(
    private readonly passwordStep: PasswordSignInService,
    private readonly signIn: SignInService,
    http: HttpConfig,
  ) {
    this.trustedOrigins = new Set([http.publicOrigin, ...http.corsOrigins]);
  }

  @Post('login')
  @ApiTokenDelivery()
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'Auth_login',
    summary: 'Exchange credentials for a token pair; also sets the __Host-refresh_token cookie',
  })
  @ApiExtraModels(TokenPair, MfaChallengeResponse)
  @ApiOkResponse({
    description:
      'A token pair (and the refresh cookie); or, with a second factor on, an MFA challenge and no tokens: complete it with POST /api/auth/mfa/verify',
    schema: {
      oneOf: [{ $ref: getSchemaPath(TokenPair) }, { $ref: getSchemaPath(MfaChallengeResponse) }],
    },
  })
  @ApiErrors(
    [401, 'Invalid email or password (one message for every cause)'],
    [
      403,
      'email not verified: the right password on an unverified address (REQUIRE_VERIFIED_EMAIL)',
    ],
  )
  async login(
    @Body() dto: LoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliveredTokens | MfaChallengeResponse> {
    const outcome = await this.passwordStep.start(dto, client);
    if ('mfaRequired' in outcome) return outcome;
    return answerSignedIn(reply, outcome);
  }

  @Post('refresh')
  @ApiTokenDelivery()
  @PublicRoute()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'Auth_refresh',
    summary:
      'Spend a refresh token (body or cookie) for a new pair; reusing a spent one revokes the session',
  })
  // The cookie form sends no body at all: the client must not be made to invent one.
  @ApiBody({ type: RefreshDto, required: false })
  @ApiOkResponse({ type: TokenPair })
  @ApiErrors(
    [401, 'Refresh token invalid, expired or already spent'],
    [403, 'Cookie refresh from a foreign Origin or a cross-site request'],
  )
  async refresh(
    @Body() dto: RefreshDto,
    @Client() client: ClientContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeliveredTokens> {
    const token = dto.refreshToken ?? refreshCookieOf(request, this.trustedOrigins);
    return answerSignedIn(reply, await this.signIn.refresh(token, client));
  }

  @Post('logout')
  @OpenBeforeSecondFactor()
  @BearerOrRefreshCookie()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'Auth_logout',
    summary:
      "Revoke the current session: the access token's, or without an Authorization header the __Host-refresh_token cookie's",
    description:
      'A browser that keeps only the HttpOnly cookie signs out with it, under the Origin rules of a cookie refresh. A spent refresh token is reuse (its session dies, 401), as on refresh.',
  })
  @ApiNoContentResponse(SIGNED_OUT)
  @ApiErrors([403, 'Cookie logout from a foreign Origin or a cross-site request'])
  async logout(
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Client() client: ClientContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.logout(user, () => refreshCookieOf(request, this.trustedOrigins), client);
    clearRefreshCookie(reply);
  }

  @Post('logout-all')
  @OpenBeforeSecondFactor()
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'Auth_logoutAll',
    summary:
      'Revoke every session of the caller and kill pending reset and email-change links (a sensitive operation)',
  })
  @ApiNoContentResponse(SIGNED_OUT)
  @StepUpErrors('sensitive')
  async logoutAll(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.signIn.logoutAll(user, dto, client);
    clearRefreshCookie(reply);
  }
}
