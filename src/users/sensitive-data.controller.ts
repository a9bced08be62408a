import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import {
  RevealSensitiveDataDto,
  SensitiveDataResponse,
  UpdateSensitiveDataDto,
  toMaskedSensitiveData,
} from './dto/sensitive-data.dto';
import { SensitiveDataService } from './sensitive-data.service';

@ApiTags('users')
@Authenticated()
@ApiErrors(400)
@Controller('users/me/sensitive')
export class SensitiveDataController {
  constructor(private readonly sensitive: SensitiveDataService) {}

  @Put()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Store SSN and/or bank account, encrypted with AES-256-GCM (null erases); a sensitive operation',
  })
  @ApiNoContentResponse()
  @StepUpErrors('sensitive')
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: UpdateSensitiveDataDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.sensitive.update(user, dto, client);
  }

  @Get()
  @ApiOperation({ summary: 'The stored values, masked' })
  @ApiOkResponse({ type: SensitiveDataResponse })
  async masked(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
  ): Promise<SensitiveDataResponse> {
    return toMaskedSensitiveData(await this.sensitive.read(user, client));
  }

  @Post('reveal')
  @AuthRateLimit()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'The stored values in clear; needs the password again (and, with MFA on, a second factor) and is audited',
  })
  @StepUpErrors('credential')
  @ApiOkResponse({ type: SensitiveDataResponse })
  reveal(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: RevealSensitiveDataDto,
    @Client() client: ClientContext,
  ): Promise<SensitiveDataResponse> {
    return this.sensitive.reveal(user, dto, client);
  }
}
