import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// How the service ships, read from the files that say it, so that every server the bench measures
// runs that way and the facts are said once (the Node version itself: scripts/shipped-node.sh).

/** The NODE_OPTIONS the production image sets (Dockerfile, `ENV NODE_OPTIONS="…"`). */
export function imageNodeOptions(root: string): string {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const match = /^ENV NODE_OPTIONS="([^"]*)"\s*$/m.exec(dockerfile);
  if (!match) throw new Error('Dockerfile: no `ENV NODE_OPTIONS="…"` line');
  return match[1];
}

/** The memory limit docker-compose gives each app replica (`mem_limit: <n>m`), in MB. */
export function composeMemoryLimitMb(root: string): number {
  const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const match = /^\s*mem_limit:\s*(\d+)m\s*$/m.exec(compose);
  if (!match) throw new Error('docker-compose.yml: no `mem_limit: <n>m` for the app');
  return Number(match[1]);
}
