import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { AdminOnly } from '../common/decorators/route-access.decorator';
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
      "Remove a user's second factors (app, recovery codes, passkeys) and end their sessions",
  })
  @ApiNoContentResponse()
  @ApiErrors(400, [404, 'No such user'])
  reset(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.resets.reset(admin, params.id, client);
  }
}
