/**
 * class-transformer functions for values that arrive as strings (query parameters, environment
 * variables). Only a plain digit string becomes a number: no "1e2", no " 5", no "0x10". Anything
 * else (a repeated query parameter arrives as an array) is left as is, for IsInt to reject.
 */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;

/** "true"/"false" become booleans; anything else is left for IsBoolean to reject. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
