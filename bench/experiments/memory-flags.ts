// RSS of the service under scenario 3's load, one start-up variant after another
// (`npx tsx bench/experiments/memory-flags.ts '' '--max-semi-space-size=8' 'MALLOC_ARENA_MAX=2'
// 'LIMIT=none' …`, words as bench/experiments/variant.ts reads them): for choosing a V8 setting
// before `npm run bench` measures it. Its numbers are never committed.
import { rmSync } from 'node:fs';
import { tempDataDir } from '../config';
import { appRss } from '../scenarios/memory';
import { parseVariant } from './variant';

async function main(): Promise<void> {
  const dataDir = tempDataDir('memory-flags');
  try {
    for (const variant of process.argv.slice(2)) {
      const { flags, env, memoryLimitMb } = parseVariant(variant.split(' ').filter(Boolean));
      const { app } = await appRss(dataDir, flags, env, memoryLimitMb);
      await app.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
