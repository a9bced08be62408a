/**
 * Tells an error that means "a dependency is away or not answering in time" (503 with Retry-After:
 * the service recovers by itself) from one that means a bug (500). common/ knows no database: the
 * database module provides this token (database/postgres-errors.ts classifies the driver's errors).
 */
export abstract class UnavailableErrors {
  abstract matches(error: unknown): boolean;
}
