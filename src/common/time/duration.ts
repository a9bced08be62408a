const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3_600, d: 86_400 };

/** '15m' → 900. Accepts what Env's duration rule accepts: digits with an optional ms|s|m|h|d (default s). */
export function durationToSeconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Math.floor(Number(match[1]) * UNIT_SECONDS[match[2] ?? 's']);
}
