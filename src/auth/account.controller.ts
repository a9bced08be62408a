import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { PasswordService } from './password.service';

/** Credential changes under /users/me live in auth: the password policy is auth's. */
@ApiTags('users')
@Authenticated()
@Controller('users/me')
export class AccountController {
  constructor(private readonly passwords: PasswordService) {}

  @Post('password')
  @AuthRateLimit()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Change the password; every other session of the caller is revoked' })
  @ApiNoContentResponse()
  @ApiErrors(
    [400, 'The new password breaks the policy'],
    [401, 'Wrong current password or invalid token'],
    [429, 'Too many attempts: wrong passwords count as failed logins of the account'],
  )
  changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientContext,
  ): Promise<void> {
    return this.passwords.change(user, dto, client);
  }
}
