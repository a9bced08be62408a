import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated, OpenBeforeSecondFactor } from '../common/decorators/route-access.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { RateLimitPerToken } from '../rate-limit/auth-rate-limit.decorator';
import { LiveSessionResponse } from './dto/live-session.dto';

/**
 * The live check for services that verify our tokens themselves through the JWKS: a token stays
 * valid there until its `exp`, while here it fails as soon as its session ends (logout,
 * deactivation, a password change).
 */
@ApiTags('auth')
@Controller('auth')
export class SessionCheckController {
  @Get('session')
  @OpenBeforeSecondFactor()
  @Authenticated()
  @RateLimitPerToken()
  @ApiOperation({
    operationId: 'Auth_session',
    summary:
      "The token's claims while its session is live, else 401: the revocation check for services that verify tokens locally (rate-limited per token, not per IP)",
  })
  @ApiOkResponse({ type: LiveSessionResponse })
  @ApiErrors(429)
  session(@CurrentUser() user: AuthenticatedUser): LiveSessionResponse {
    return {
      sub: user.id,
      sid: user.sessionId,
      amr: user.amr,
      auth_time: user.token?.authTime ?? null,
      exp: user.token?.exp ?? 0,
    };
  }
}
