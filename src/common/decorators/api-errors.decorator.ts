import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../dto/error-response.dto';

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed',
  401: 'Missing, invalid or revoked access token',
  403: 'The caller may not do this',
  404: 'Not found',
  409: 'Conflicts with an existing resource',
  429: 'Rate limit exceeded (Retry-After and RateLimit-* headers)',
  503: 'A dependency is unavailable (Retry-After)',
};

/**
 * Documents error answers, all with the uniform error body: `@ApiErrors(404, [409, 'Email taken'])`.
 * A bare status gets the standard description.
 */
export function ApiErrors(
  ...errors: Array<number | [number, string]>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map((error) => {
      const [status, description] = Array.isArray(error)
        ? error
        : [error, DEFAULT_DESCRIPTIONS[error] ?? 'Error'];
      return ApiResponse({ status, type: ErrorResponse, description });
    }),
  );
}
