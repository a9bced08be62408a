import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated, OpenBeforeSecondFactor } from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { SessionResponse } from './dto/session-response.dto';
import { OwnSessionsService } from './own-sessions.service';

/**
 * The caller's sessions. The operation ids are the ones these routes had under the auth controller,
 * where the OpenAPI contract first named them.
 */
@ApiTags('auth')
@ApiErrors(400, 429)
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: OwnSessionsService) {}

  @Get()
  @OpenBeforeSecondFactor()
  @Authenticated()
  @ApiOperation({ operationId: 'Auth_listSessions', summary: "The caller's live sessions" })
  @ApiOkResponse({ type: [SessionResponse] })
  listSessions(@CurrentUser() user: AuthenticatedUser): Promise<SessionResponse[]> {
    return this.sessions.list(user);
  }

  @Delete(':id')
  @OpenBeforeSecondFactor()
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'Auth_revokeSession',
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
    return this.sessions.revoke(user, params.id, dto, client);
  }
}
