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
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, type AuthenticatedUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ErrorResponse } from '../common/dto/error-response.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { UserResponse, toUserResponse } from '../users/dto/user-response.dto';
import { AuthService } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { SessionResponse } from './dto/session-response.dto';
import { TokenPair } from './dto/token-pair.dto';
import { clearRefreshCookie, refreshCookieOf, setRefreshCookie } from './refresh-cookie';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

@ApiTags('auth')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Validation failed' })
@ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Rate limit exceeded' })
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
  ) {}

  @Post('register')
  @Public()
  @AuthRateLimit()
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Email or username already registered' })
  async register(@Body() dto: RegisterDto, @Client() client: ClientContext): Promise<UserResponse> {
    return toUserResponse(await this.auth.register(dto, client));
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Exchange credentials for a token pair; also sets the refresh_token cookie',
  })
  @ApiOkResponse({ type: TokenPair })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Invalid email or password (one message for every cause)',
  })
  async login(
    @Body() dto: LoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair> {
    const pair = await this.auth.login(dto, client);
    setRefreshCookie(reply, pair.refreshToken, this.tokens.refreshTtlSeconds);
    return pair;
  }

  @Post('refresh')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Spend a refresh token (body or cookie) for a new pair; reusing a spent one revokes the session',
  })
  @ApiOkResponse({ type: TokenPair })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async refresh(
    @Body() dto: RefreshDto,
    @Client() client: ClientContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair> {
    const pair = await this.auth.refresh(dto.refreshToken ?? refreshCookieOf(request), client);
    setRefreshCookie(reply, pair.refreshToken, this.tokens.refreshTtlSeconds);
    return pair;
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Revoke the current session' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async logout(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logout(user, client);
    clearRefreshCookie(reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Revoke every session of the caller' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async logoutAll(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logoutAll(user, client);
    clearRefreshCookie(reply);
  }

  @Get('sessions')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: [SessionResponse] })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  listSessions(@CurrentUser() user: AuthenticatedUser): Promise<SessionResponse[]> {
    return this.sessions.list(user);
  }

  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "Revoke one of the caller's sessions" })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such session for this user' })
  revokeSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.sessions.revokeOwn(user, params.id, client);
  }
}
