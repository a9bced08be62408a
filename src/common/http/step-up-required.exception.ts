import { UnauthorizedException } from '@nestjs/common';

/**
 * A 401 for a request whose token is fine but whose proof is missing (RFC 9470): the client should
 * ask the user for the password or a second factor and send the request again with it. The global
 * exception filter writes `headers()`.
 */
export class StepUpRequiredException extends UnauthorizedException {
  headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer error="insufficient_user_authentication"' };
  }
}
