import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import type { AuthenticatedUser } from '../common/auth/principal';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import {
  Authenticated,
  OpenBeforeSecondFactor,
  PublicRoute,
} from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { INVALID_LINK } from '../common/auth/account-messages';
import { AcceptedResponse, accepted } from './dto/accepted-response.dto';
import { ForgotPasswordDto } from './dto/forgot-password.dto';
import { LinkTokenDto } from './dto/link-token.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';
import { EmailChangeService } from './email-change.service';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';
import { ACCOUNT_ACCEPTED, ACCOUNT_ERRORS } from './account-errors';

const REFUSED_LINK: [number, string] = [
  400,
  `${INVALID_LINK} (unknown, expired, used or superseded), or a validation error`,
];
const OWNER_MAIL_QUOTA =
  "Rate limit: AUTH_RATE_LIMIT_MAX per IP, or the owner's 3 link mails an hour to the address (strangers' requests never use them up)";

/** Account lifecycle by email (docs/API.md "Account lifecycle"): the routes under /api/auth. */
@ApiTags('auth')
@Controller('auth')
export class LifecycleController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly resets: PasswordResetService,
    private readonly emailChanges: EmailChangeService,
  ) {}

  @Post('email/verify')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Mark the address verified with the token of a verification link' })
  @ApiNoContentResponse()
  @ApiErrors(REFUSED_LINK, 429)
  verifyEmail(@Body() dto: LinkTokenDto, @Client() client: ClientContext): Promise<void> {
    return this.verification.verify(dto.token, client);
  }

  @Post('email/verify/resend')
  @OpenBeforeSecondFactor()
  @Authenticated()
  @AuthRateLimit()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: "Mail a new verification link to the caller's address; earlier links die",
  })
  @ApiAcceptedResponse({ type: AcceptedResponse })
  @ApiErrors([429, OWNER_MAIL_QUOTA])
  async resendVerification(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientContext,
  ): Promise<AcceptedResponse> {
    await this.verification.resend(user, client);
    return accepted(ACCOUNT_ACCEPTED.VERIFICATION_RESENT);
  }

  @Post('password/forgot')
  @PublicRoute()
  @AuthRateLimit()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Mail a password-reset link; the same answer, in the same time, whether or not the account exists',
  })
  @ApiAcceptedResponse({ type: AcceptedResponse })
  @ApiErrors(400, [429, 'Rate limit: AUTH_RATE_LIMIT_MAX per IP'])
  forgotPassword(
    @Body() dto: ForgotPasswordDto,
    @Client() client: ClientContext,
  ): AcceptedResponse {
    this.resets.forgot(dto.email, client);
    return accepted(ACCOUNT_ACCEPTED.RESET_REQUESTED);
  }

  @Post('password/reset')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with the token of a reset link; every session is revoked',
  })
  @ApiNoContentResponse()
  @ApiErrors([400, `${REFUSED_LINK[1]}; or the new password breaks the policy`], 429)
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientContext): Promise<void> {
    return this.resets.reset(dto.token, dto.newPassword, client);
  }

  @Post('email/change/confirm')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Apply an email change with the token of the link sent to the new address; every session is revoked',
  })
  @ApiNoContentResponse()
  @ApiErrors(REFUSED_LINK, [409, `${ACCOUNT_ERRORS.EMAIL_IN_USE} (taken since the request)`], 429)
  confirmEmailChange(@Body() dto: LinkTokenDto, @Client() client: ClientContext): Promise<void> {
    return this.emailChanges.confirm(dto.token, client);
  }
}
