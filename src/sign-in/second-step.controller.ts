import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { VerifyMfaDto } from './dto/second-step.dto';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { TokenPair } from '../auth/dto/token-pair.dto';
import { answerSignedIn, type DeliveredTokens } from './refresh-cookie';
import { ApiTokenDelivery } from './token-delivery.decorator';
import { SecondStepService } from './second-step.service';

/**
 * The second step of a two-step sign-in: the mfaToken and a code give the token pair. The operation
 * id is the one the route had under its first controller's name.
 */
@ApiTags('mfa')
@ApiErrors(400, 429)
@Controller('auth/mfa')
export class SecondStepController {
  constructor(private readonly secondStep: SecondStepService) {}

  @Post('verify')
  @ApiTokenDelivery()
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'MfaSignIn_verify',
    summary:
      'Complete a two-step login with the mfaToken and a TOTP code or a recovery code; sets the __Host-refresh_token cookie',
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
  ): Promise<DeliveredTokens> {
    return answerSignedIn(reply, await this.secondStep.verifyCode(dto.mfaToken, dto, client));
  }
}
