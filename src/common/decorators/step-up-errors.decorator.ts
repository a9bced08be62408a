import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../dto/error-response.dto';

const RULES = {
  credential:
    'A credential change: the password (and, with a second factor on, `code`, `recoveryCode` or `passkey`) in this request',
  sensitive:
    'A sensitive operation: one proof (`password`, `code`, `recoveryCode` or `passkey`) in this request, unless this session proved one within STEP_UP_MAX_AGE',
} as const;

/**
 * Documents what a route guarded by the StepUp rule answers: 401 with `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication"` for a missing proof (not counted), 401 for a wrong one
 * and 429 once wrong proofs of the account pass their limit. The StepUp service enforces it.
 */
export function StepUpErrors(kind: keyof typeof RULES): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status: 401,
      type: ErrorResponse,
      description: `${RULES[kind]}. A missing proof answers WWW-Authenticate: Bearer error="insufficient_user_authentication"; a wrong one counts as a failed sign-in. Also: a missing, invalid or revoked access token`,
      headers: {
        'WWW-Authenticate': {
          description: 'Bearer error="insufficient_user_authentication" when a proof is missing',
          schema: { type: 'string' },
        },
      },
    }),
    ApiResponse({
      status: 429,
      type: ErrorResponse,
      description:
        'Too many wrong passwords or second factors for the account (Retry-After and RateLimit-* headers)',
    }),
  );
}
