import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { StepUpErrors } from '../common/decorators/step-up-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import {
  AdminOnly,
  Authenticated,
  OpenBeforeSecondFactor,
} from '../common/decorators/route-access.decorator';
import { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UserPageResponse, UserResponse, toUserResponse } from './dto/user-response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiErrors(400)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @OpenBeforeSecondFactor()
  @Authenticated()
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: AuthenticatedUser): UserResponse {
    return toUserResponse(user.account); // read by the guard's session check a moment ago
  }

  @Patch('me')
  @Authenticated()
  @ApiOperation({ summary: "Change the caller's username" })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors([409, 'Username taken'])
  async updateMe(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: UpdateProfileDto,
    @Client() client: ClientContext,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.updateProfile(user, dto, client));
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ type: UserPageResponse })
  list(@Query() query: PaginationQueryDto): Promise<UserPageResponse> {
    return this.users.list(query);
  }

  @Get(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'One user (admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(404)
  async get(@Param() params: UuidParamDto): Promise<UserResponse> {
    return toUserResponse(await this.users.get(params.id));
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({
    summary:
      'Activate, deactivate or change the role of a user (admin); effective on their next request. A role change is a sensitive operation (proofs in the body)',
  })
  @ApiOkResponse({ type: UserResponse })
  @StepUpErrors('sensitive')
  @ApiErrors(404)
  async update(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: AdminUpdateUserDto,
    @Client() client: ClientContext,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.adminUpdate(admin, params.id, dto, client));
  }
}
