import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../common/decorators/current-user.decorator';
import { ErrorResponse } from '../common/dto/error-response.dto';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';

/** Credential changes under /users/me live in auth: they revoke sessions, which users/ must not know about. */
@ApiTags('users')
@ApiBearerAuth('bearer')
@Controller('users/me')
export class AccountController {
  constructor(private readonly auth: AuthService) {}

  @Post('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Change the password; every other session of the caller is revoked' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'The new password breaks the policy' })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Wrong current password or invalid token',
  })
  changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.auth.changePassword(user, dto, client);
  }
}
