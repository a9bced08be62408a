import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../common/decorators/current-user.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { ErrorResponse } from '../common/dto/error-response.dto';
import { PaginationQueryDto } from '../common/dto/pagination-query.dto';
import { UuidParamDto } from '../common/dto/uuid-param.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UserPageResponse, UserResponse, toUserResponse } from './dto/user-response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({
  type: ErrorResponse,
  description: 'Missing, invalid or revoked access token',
})
@ApiBadRequestResponse({ type: ErrorResponse })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: AuthenticatedUser): UserResponse {
    return toUserResponse(user.account); // read by the guard's session check a moment ago
  }

  @Patch('me')
  @ApiOperation({ summary: "Change the caller's username" })
  @ApiOkResponse({ type: UserResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Username taken' })
  async updateMe(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: UpdateProfileDto,
    @Client() client: ClientContext,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.updateProfile(user, dto, client));
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ type: UserPageResponse })
  @ApiForbiddenResponse({ type: ErrorResponse })
  list(@Query() query: PaginationQueryDto): Promise<UserPageResponse> {
    return this.users.list(query);
  }

  @Get(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'One user (admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiForbiddenResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@Param() params: UuidParamDto): Promise<UserResponse> {
    return toUserResponse(await this.users.get(params.id));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Activate, deactivate or change the role of a user (admin); effective on their next request',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiForbiddenResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async update(
    @CurrentUser() admin: AuthenticatedUser,
    @Param() params: UuidParamDto,
    @Body() dto: AdminUpdateUserDto,
    @Client() client: ClientContext,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.adminUpdate(admin, params.id, dto, client));
  }
}
