import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
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
import { Authenticated, PublicRoute } from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { HttpConfig } from '../config/config-sections';
import { MfaChallengeResponse } from '../mfa/dto/mfa-verify.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { SessionResponse } from '../sessions/dto/session-response.dto';
import { SessionsService } from '../sessions/sessions.service';
import { UserResponse, toUserResponse } from '../users/dto/user-response.dto';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPair } from './dto/token-pair.dto';
import { AcceptedResponse, accepted } from './lifecycle/dto/accepted-response.dto';
import { clearRefreshCookie, refreshCookieOf, setRefreshCookie } from './refresh-cookie';
import { RegistrationService } from './registration.service';

/** The one 202 body of a registration that does not say whether the address was taken. */
export const REGISTRATION_ACCEPTED = 'Check your inbox to finish creating your account';

@ApiTags('auth')
@ApiErrors(400, 429)
@Controller('auth')
export class AuthController {
  /** Where a cookie refresh may come from: the service itself (PUBLIC_APP_URL) and CORS_ORIGINS. */
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(
    private readonly auth: AuthService,
    private readonly registration: RegistrationService,
    private readonly sessions: SessionsService,
    http: HttpConfig,
  ) {
    this.trustedOrigins = new Set([http.publicOrigin, ...http.corsOrigins]);
  }

  @Post('register')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @ApiOperation({
    summary: 'Create an account',
    description:
      'With REQUIRE_VERIFIED_EMAIL=false: 201 with the new account, 409 for a taken email or username. ' +
      'With REQUIRE_VERIFIED_EMAIL=true: 202 with one fixed message, in the same time, whether or not ' +
      'the address already has an account (its owner is mailed about the attempt and nothing changes); ' +
      'the username is reserved for EMAIL_VERIFY_TTL first, so a taken username is a 409 either way.',
  })
  @ApiCreatedResponse({
    type: UserResponse,
    description: 'REQUIRE_VERIFIED_EMAIL=false: the new account',
  })
  @ApiAcceptedResponse({
    type: AcceptedResponse,
    description:
      'REQUIRE_VERIFIED_EMAIL=true: the same body for a new and a taken address; a new one gets the verification link',
  })
  @ApiErrors([
    409,
    'Username taken (by an account or a live reservation); email taken only with REQUIRE_VERIFIED_EMAIL=false',
  ])
  async register(
    @Body() dto: RegisterDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserResponse | AcceptedResponse> {
    const outcome = await this.registration.register(dto, client);
    if ('created' in outcome) return toUserResponse(outcome.created);
    void reply.status(HttpStatus.ACCEPTED);
    return accepted(REGISTRATION_ACCEPTED);
  }

  @Post('login')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange credentials for a token pair; also sets the refresh_token cookie',
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
  ): Promise<TokenPair | MfaChallengeResponse> {
    const outcome = await this.auth.login(dto, client);
    if ('mfaRequired' in outcome) return outcome;
    setRefreshCookie(reply, outcome.refreshToken, this.sessions.refreshTtlSeconds);
    return outcome;
  }

  @Post('refresh')
  @PublicRoute()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Spend a refresh token (body or cookie) for a new pair; reusing a spent one revokes the session',
  })
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
  ): Promise<TokenPair> {
    const token = dto.refreshToken ?? refreshCookieOf(request, this.trustedOrigins);
    const pair = await this.auth.refresh(token, client);
    setRefreshCookie(reply, pair.refreshToken, this.sessions.refreshTtlSeconds);
    return pair;
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke the current session' })
  @ApiNoContentResponse()
  async logout(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logout(user, client);
    clearRefreshCookie(reply);
  }

  @Post('logout-all')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Revoke every session of the caller and kill pending reset and email-change links (a sensitive operation)',
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  async logoutAll(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logoutAll(user, dto, client);
    clearRefreshCookie(reply);
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: [SessionResponse] })
  listSessions(@CurrentUser() user: AuthenticatedUser): Promise<SessionResponse[]> {
    return this.sessions.list(user);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      "Revoke one of the caller's sessions; another than the current one is a sensitive operation (proofs in the body)",
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  @ApiErrors([404, 'No such session for this user'])
  revokeSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.auth.revokeSession(user, params.id, dto, client);
  }
}
