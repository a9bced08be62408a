// RSS of the service under scenario 3's load with V8 flags on the command line, one variant after
// another (`npx tsx bench/experiments/memory-flags.ts '' '--max-semi-space-size=8' 'MALLOC_ARENA_MAX=2'
// …`; NAME=value words go to the environment): for
// choosing a V8 setting before `npm run bench` measures it. Its numbers are never committed.
import { rmSync } from 'node:fs';
import { tempDataDir } from '../config';
import { appRss } from '../scenarios/memory';

async function main(): Promise<void> {
  const dataDir = tempDataDir('memory-flags');
  try {
    for (const variant of process.argv.slice(2)) {
      const words = variant.split(' ').filter(Boolean);
      const env = Object.fromEntries(
        words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=', 2) as [string, string]),
      );
      const { app } = await appRss(
        dataDir,
        words.filter((w) => w.startsWith('--')),
        env,
      );
      await app.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
