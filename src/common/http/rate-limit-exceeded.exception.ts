import { HttpException, HttpStatus } from '@nestjs/common';

/** What a 429 tells the caller about the limit it hit (docs/API.md "Rate limits"). */
export interface RateLimitInfo {
  limit: number;
  /** Seconds until the caller may try again: sent as both `RateLimit-Reset` and `Retry-After`. */
  retryAfterSeconds: number;
}

/**
 * A 429 that carries its own headers, so code with no access to the reply (a service, the login
 * failure limiter) can still answer with `Retry-After` and `RateLimit-*`: the global exception
 * filter writes them from `headers()`.
 */
export class RateLimitExceededException extends HttpException {
  constructor(
    message: string,
    readonly info: RateLimitInfo,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }

  headers(): Record<string, string> {
    const seconds = String(Math.max(1, Math.ceil(this.info.retryAfterSeconds)));
    return {
      'RateLimit-Limit': String(this.info.limit),
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': seconds,
      'Retry-After': seconds,
    };
  }
}
