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
import { MfaResetService } from './mfa-reset.service';

@ApiTags('users')
@Controller('users')
export class MfaAdminController {
  constructor(private readonly resets: MfaResetService) {}

  @Post(':id/mfa/reset')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      "Remove a user's second factors (app, recovery codes, passkeys), end their sessions and kill their pending links (a sensitive operation for the admin)",
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  @ApiErrors(400, [404, 'No such user'])
  reset(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.resets.reset(admin, params.id, dto, client);
  }
}
