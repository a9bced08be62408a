/** SQLSTATE of a failed query, when the driver reported one. */
function sqlState(error: unknown): string | undefined {
  const cause = (error as { driverError?: unknown })?.driverError ?? error;
  const code = (cause as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A UNIQUE constraint refused the row (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}
