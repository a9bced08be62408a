import { Body, Controller, Delete, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import {
  ConfirmTotpDto,
  ConfirmWithCodeDto,
  RecoveryCodesResponse,
  SetupTotpDto,
  TotpSetupResponse,
} from './dto/totp.dto';
import { TotpEnrolmentService } from './totp-enrolment.service';

const GUESSES_COUNT = [
  429,
  'Too many attempts: wrong passwords and codes count as failed logins of the account',
] as [number, string];

@ApiTags('mfa')
@Authenticated()
@ApiErrors(400)
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly enrolment: TotpEnrolmentService) {}

  @Post('totp/setup')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Start enrolling an authenticator app: a new secret, pending until confirmed',
  })
  @ApiOkResponse({ type: TotpSetupResponse })
  @ApiErrors(
    [401, 'Wrong password or invalid token'],
    [409, 'An authenticator is already on'],
    GUESSES_COUNT,
  )
  setup(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: SetupTotpDto,
    @Client() client: ClientContext,
  ): Promise<TotpSetupResponse> {
    return this.enrolment.setup(user, dto.password, client);
  }

  @Post('totp/confirm')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Prove the app holds the secret: two-step login is on; the recovery codes, shown once',
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
  @ApiOperation({ summary: 'Turn the authenticator app off (and its recovery codes)' })
  @ApiNoContentResponse()
  @ApiErrors([401, 'Wrong password or code, or invalid token'], GUESSES_COUNT)
  disable(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ConfirmWithCodeDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.enrolment.disable(user, dto.password, dto.code, client);
  }

  @Post('recovery-codes')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Ten new recovery codes, shown once; every older one stops working' })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiErrors([401, 'Wrong password or code, or invalid token'], GUESSES_COUNT)
  async regenerate(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ConfirmWithCodeDto,
    @Client() client: ClientContext,
  ): Promise<RecoveryCodesResponse> {
    return {
      recoveryCodes: await this.enrolment.regenerateRecoveryCodes(
        user,
        dto.password,
        dto.code,
        client,
      ),
    };
  }
}
