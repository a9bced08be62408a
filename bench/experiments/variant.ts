import { MEMORY_LIMIT_MB } from '../lib/proc';

/**
 * One variant of how a server starts, from command-line words: `--flag` words go to node,
 * NAME=value words to the environment, except LIMIT=<MB> or LIMIT=none, the cgroup memory limit
 * (the compose file's by default).
 */
export function parseVariant(words: string[]) {
  const env = Object.fromEntries(
    words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=', 2) as [string, string]),
  );
  const { LIMIT: limit, ...processEnv } = env;
  return {
    flags: words.filter((w) => w.startsWith('--')),
    env: processEnv,
    memoryLimitMb: limit === undefined ? MEMORY_LIMIT_MB : limit === 'none' ? null : Number(limit),
  };
}
