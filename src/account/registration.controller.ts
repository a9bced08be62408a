import { Body, Controller, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { PublicRoute } from '../common/decorators/route-access.decorator';
import { Client, type ClientContext } from '../common/http/client-context';
import { AuthAttempt } from '../logging/auth-attempt.decorator';
import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';
import { UserResponse, toUserResponse } from '../users/dto/user-response.dto';
import { ACCOUNT_ACCEPTED } from './account-errors';
import { AcceptedResponse, accepted } from './dto/accepted-response.dto';
import { RegisterDto } from './dto/register.dto';
import { RegistrationService } from './registration.service';

/**
 * POST /api/auth/register. Its operation id is the one the route had under the auth controller,
 * where the OpenAPI contract first named it.
 */
@ApiTags('auth')
@ApiErrors(400, 429)
@Controller('auth')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Post('register')
  @PublicRoute()
  @AuthRateLimit()
  @AuthAttempt()
  @ApiOperation({
    operationId: 'Auth_register',
    summary: 'Create an account',
    description:
      'With REQUIRE_VERIFIED_EMAIL=false: 201 with the new account, 409 for a taken email or username. ' +
      'With REQUIRE_VERIFIED_EMAIL=true: 202 with one fixed message, in the same time, whether or not ' +
      'the address already has an account (its owner is mailed about the attempt and nothing changes); ' +
      'the username is reserved for EMAIL_VERIFY_TTL first, so a taken username is a 409 either way.',
  })
  @ApiCreatedResponse({
    type: UserResponse,
    description: 'REQUIRE_VERIFIED_EMAIL=false: the new account',
  })
  @ApiAcceptedResponse({
    type: AcceptedResponse,
    description:
      'REQUIRE_VERIFIED_EMAIL=true: the same body for a new and a taken address; a new one gets the verification link',
  })
  @ApiErrors([
    409,
    'Username taken (by an account or a live reservation); email taken only with REQUIRE_VERIFIED_EMAIL=false',
  ])
  async register(
    @Body() dto: RegisterDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserResponse | AcceptedResponse> {
    const outcome = await this.registration.register(dto, client);
    if ('created' in outcome) return toUserResponse(outcome.created);
    void reply.status(HttpStatus.ACCEPTED);
    return accepted(ACCOUNT_ACCEPTED.REGISTRATION);
  }
}
