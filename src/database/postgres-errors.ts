/** SQLSTATE of a failed query, when the driver reported one. */
function sqlState(error: unknown): string | undefined {
  const code = (driverErrorOf(error) as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** TypeORM wraps the pg error in QueryFailedError.driverError; pg's own errors come bare. */
function driverErrorOf(error: unknown): unknown {
  return (error as { driverError?: unknown })?.driverError ?? error;
}

/** A UNIQUE constraint refused the row (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/**
 * SQLSTATEs that mean "the database is not there or not answering in time", not "this request is
 * wrong": connection exceptions (class 08), statement timeout or cancel (57014), the server
 * shutting down or starting (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57014|57P0[123]|53300)$/;

/** Node's socket errors when the server cannot be reached or drops the connection. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** pg and pg-pool report these without a code. */
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|connection timeout|Cannot use a pool after calling end/i;

/**
 * True when `error` says the database is unreachable or timed out: the request should answer 503
 * with Retry-After (docs/API.md "Faults and shutdown"), and the service recovers by itself.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = driverErrorOf(error);
  const state = sqlState(error);
  if (state !== undefined && UNAVAILABLE_STATES.test(state)) return true;
  if (state !== undefined && UNREACHABLE_CODES.has(state)) return true;
  // Not `instanceof Error`: socket errors may come from another realm (a test VM, a worker).
  const message = (cause as { message?: unknown })?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}
