import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { VerifyMfaDto } from '../mfa/dto/mfa-verify.dto';
import { MfaLoginService } from '../mfa/mfa-login.service';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { SessionsService } from '../sessions/sessions.service';
import { TokenPair } from './dto/token-pair.dto';
import { setRefreshCookie } from './refresh-cookie';
import { SignInService } from './sign-in.service';

/** The second step of a two-step login: the mfaToken and a code give the token pair. */
@ApiTags('mfa')
@ApiErrors(400, 429)
@Controller('auth/mfa')
export class MfaSignInController {
  constructor(
    private readonly mfaLogin: MfaLoginService,
    private readonly signIn: SignInService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('verify')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Complete a two-step login with the mfaToken and a TOTP code or a recovery code; sets the refresh_token cookie',
  })
  @ApiOkResponse({ type: TokenPair })
  @ApiErrors(
    [
      400,
      'Validation failed, or The link is invalid or has expired: a credential change killed the mfaToken',
    ],
    [401, 'mfaToken expired, spent or dead after 5 wrong codes, or the code is wrong'],
    [403, 'email not verified (REQUIRE_VERIFIED_EMAIL)'],
  )
  async verify(
    @Body() dto: VerifyMfaDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair> {
    const done = await this.mfaLogin.verifyCode(dto.mfaToken, dto, client);
    const pair = await this.signIn.open(done, client);
    setRefreshCookie(reply, pair.refreshToken, this.sessions.refreshTtlSeconds);
    return pair;
  }
}
