import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { ApiErrors } from '../../common/decorators/api-errors.decorator';
import { CurrentUser } from '../../common/decorators/current-user.decorator';
import {
  Authenticated,
  OpenBeforeSecondFactor,
} from '../../common/decorators/route-access.decorator';
import { UuidParamDto } from '../../common/dto/uuid-param.dto';
import { AuthRateLimit } from '../../rate-limit/auth-rate-limit.decorator';
import { Client, type ClientContext } from '../../common/http/client-context';
import { ProofsDto } from '../../common/dto/proofs.dto';
import { StepUpErrors } from '../../common/decorators/step-up-errors.decorator';
import { PasskeyCreationOptions } from '../../common/dto/webauthn.dto';
import { PasskeyResponse, RegisterPasskeyDto, toPasskeyResponse } from '../dto/passkey.dto';
import { PasskeyRegistrationService } from './passkey-registration.service';

@ApiTags('mfa')
@Authenticated()
@ApiErrors(400)
@Controller('auth/passkeys')
export class PasskeysController {
  constructor(private readonly registration: PasskeyRegistrationService) {}

  @Post('registration/options')
  @OpenBeforeSecondFactor()
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Start adding a passkey (a credential change, on a verified address): options for navigator.credentials.create()',
  })
  @ApiOkResponse({
    type: PasskeyCreationOptions,
    description: 'PublicKeyCredentialCreationOptionsJSON: hand to navigator.credentials.create()',
  })
  @StepUpErrors('credential')
  @ApiErrors([403, 'email not verified'])
  options(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.registration.options(user, dto, client);
  }

  @Post('registration/verify')
  @OpenBeforeSecondFactor()
  @ApiOperation({
    summary:
      "Finish adding a passkey with the browser's answer (its challenge works once); the account's other sessions end",
  })
  @ApiCreatedResponse({ type: PasskeyResponse })
  @ApiErrors([409, 'The passkey is already registered'])
  async register(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: RegisterPasskeyDto,
    @Client() client: ClientContext,
  ): Promise<PasskeyResponse> {
    return toPasskeyResponse(
      await this.registration.register(user, dto.response, dto.name, client),
    );
  }

  @Get()
  @ApiOperation({ summary: "The caller's passkeys" })
  @ApiOkResponse({ type: [PasskeyResponse] })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<PasskeyResponse[]> {
    return (await this.registration.list(user)).map(toPasskeyResponse);
  }

  @Delete(':id')
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      "Remove one of the caller's passkeys (a credential change); the account's other sessions end",
  })
  @ApiNoContentResponse()
  @StepUpErrors('credential')
  @ApiErrors([404, 'No such passkey for this user'])
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.registration.remove(user, params.id, dto, client);
  }
}
