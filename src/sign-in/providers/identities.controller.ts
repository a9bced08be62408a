import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { ApiErrors } from '../../common/decorators/api-errors.decorator';
import { CurrentUser } from '../../common/decorators/current-user.decorator';
import { Authenticated } from '../../common/decorators/route-access.decorator';
import { StepUpErrors } from '../../common/decorators/step-up-errors.decorator';
import { ProofsDto } from '../../common/dto/proofs.dto';
import { UuidParamDto } from '../../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../../common/http/client-context';
import { IdentityResponse } from './dto/provider.dto';
import { IdentitiesService, LAST_WAY_IN, NO_SUCH_IDENTITY } from './identities.service';

/** The caller's identity-provider links (linking itself: POST /api/auth/oidc/:id/link). */
@ApiTags('users')
@Authenticated()
@Controller('users/me/identities')
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  @Get()
  @ApiOperation({ summary: "The caller's linked identity-provider identities" })
  @ApiOkResponse({ type: [IdentityResponse] })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<IdentityResponse[]> {
    return (await this.identities.list(user)).map(({ id, provider, email, createdAt }) => ({
      id,
      provider,
      email,
      createdAt,
    }));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      "Unlink an identity (a credential change): every other session ends, and so does the caller's if that identity opened it",
  })
  @ApiNoContentResponse()
  @StepUpErrors('credential')
  @ApiErrors(400, [404, NO_SUCH_IDENTITY], [409, LAST_WAY_IN])
  unlink(
    @CurrentUser() user: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: ProofsDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.identities.unlink(user, params.id, dto, client);
  }
}
