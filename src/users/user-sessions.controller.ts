import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AdminOnly } from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { UserSessionsService } from './user-sessions.service';

@ApiTags('users')
@Controller('users')
export class UserSessionsController {
  constructor(private readonly userSessions: UserSessionsService) {}

  @Post(':id/sessions/revoke')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'End every session of a user (admin); their access tokens stop working on the next request. A sensitive operation for the admin (proofs in the body)',
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  @ApiErrors(400, [404, 'No such user'])
  revoke(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.userSessions.revokeByAdmin(admin, params.id, dto, client);
  }
}
