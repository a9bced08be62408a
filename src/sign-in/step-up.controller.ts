import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated } from '../common/decorators/route-access.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../common/dto/proofs.dto';
import { PasskeyRequestOptions } from '../common/dto/webauthn.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { StepUpService } from './step-up.service';

/** Proving a factor again within a session, so that sensitive operations may follow without one. */
@ApiTags('auth')
@Authenticated()
@ApiErrors(400)
@Controller('auth/step-up')
export class StepUpController {
  constructor(private readonly stepUp: StepUpService) {}

  @Post()
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Prove a factor again (password, code, recoveryCode or passkey): sensitive operations accept it for STEP_UP_MAX_AGE seconds',
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  prove(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.stepUp.prove(user, dto, client);
  }

  @Post('passkey/options')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Options for navigator.credentials.get() with the caller's passkeys: the assertion is a `passkey` proof (step-up or a credential change), once",
  })
  @ApiOkResponse({
    type: PasskeyRequestOptions,
    description: 'PublicKeyCredentialRequestOptionsJSON: hand to navigator.credentials.get()',
  })
  passkeyOptions(
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.stepUp.passkeyOptions(user);
  }
}
