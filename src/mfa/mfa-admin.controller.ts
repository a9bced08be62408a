import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AdminOnly } from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { MfaResetDto } from './dto/mfa-reset.dto';
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
    description:
      'For a user who lost every factor, after proving their identity out of band (docs/ACCOUNTS.md, "Lost factors"). The `reason` goes into the audit event; the user is mailed a notice that quotes nothing the admin wrote.',
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  @ApiErrors(400, [404, 'No such user'])
  reset(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: MfaResetDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.resets.reset(admin, params.id, dto, client);
  }
}
