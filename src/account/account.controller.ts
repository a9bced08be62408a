import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Authenticated } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { ChangePasswordDto } from './dto/change-password.dto';
import { AcceptedResponse, accepted } from './dto/accepted-response.dto';
import { ChangeEmailDto } from './dto/change-email.dto';
import { EmailChangeService } from './email-change.service';
import { PasswordService } from './password.service';
import { ACCOUNT_ACCEPTED } from './account-errors';

/** Credential changes under /users/me live in auth: the password policy is auth's. */
@ApiTags('users')
@Authenticated()
@Controller('users/me')
export class AccountController {
  constructor(
    private readonly passwords: PasswordService,
    private readonly emailChanges: EmailChangeService,
  ) {}

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

  @Post('email')
  @AuthRateLimit()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Ask to move the account to another address: a link to the new one, a notice to the old; nothing changes until the link is used. 202 even when the address is taken',
  })
  @ApiAcceptedResponse({ type: AcceptedResponse })
  @ApiErrors(
    [400, 'Validation failed, or the new address is the current one'],
    [401, 'Wrong password or invalid token'],
    [
      429,
      'Too many attempts (wrong passwords count as failed logins), or too many link mails to the new address: 3 an hour from one network, 10 from all',
    ],
  )
  async changeEmail(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ChangeEmailDto,
    @Client() client: ClientContext,
  ): Promise<AcceptedResponse> {
    await this.emailChanges.request(user, dto.newEmail, dto, client);
    return accepted(ACCOUNT_ACCEPTED.EMAIL_CHANGE);
  }
}
