import { Body, Controller, Delete, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated, OpenBeforeSecondFactor } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ConfirmTotpDto, RecoveryCodesResponse, TotpSetupResponse } from './dto/totp.dto';
import { TotpEnrolmentService } from './totp-enrolment.service';

@ApiTags('mfa')
@Authenticated()
@ApiErrors(400)
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly enrolment: TotpEnrolmentService) {}

  @Post('totp/setup')
  @OpenBeforeSecondFactor()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Start enrolling an authenticator app (a credential change, on a verified address): a new secret, pending until confirmed',
  })
  @ApiOkResponse({ type: TotpSetupResponse })
  @StepUpErrors('credential')
  @ApiErrors([403, 'email not verified'], [409, 'An authenticator is already on'])
  setup(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<TotpSetupResponse> {
    return this.enrolment.setup(user, dto, client);
  }

  @Post('totp/confirm')
  @OpenBeforeSecondFactor()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Prove the app holds the secret: two-step login is on and the account's other sessions end; the recovery codes, shown once",
  })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiErrors([401, 'Wrong code or invalid token'])
  async confirm(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ConfirmTotpDto,
    @Client() client: ClientContext,
  ): Promise<RecoveryCodesResponse> {
    return { recoveryCodes: await this.enrolment.confirm(user, dto.code, client) };
  }

  @Delete('totp')
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      "Turn the authenticator app off and its recovery codes (a credential change); the account's other sessions end",
  })
  @ApiNoContentResponse()
  @StepUpErrors('credential')
  disable(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.enrolment.disable(user, dto, client);
  }

  @Post('recovery-codes')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Ten new recovery codes, shown once (a credential change); every older one stops working',
  })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @StepUpErrors('credential')
  async regenerate(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<RecoveryCodesResponse> {
    return { recoveryCodes: await this.enrolment.regenerateRecoveryCodes(user, dto, client) };
  }
}
