import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Specs that need something outside the repository (Chromium, Redis, root) run when it is there.
 * Without it a developer's `npm test` skips them, says so at once and again in the summary at the
 * end of the run; `npm run test:full` (TEST_FULL=1, what CI runs) and CI=true fail them instead.
 */

/** Debian's chromium unless CHROMIUM_PATH names another (docs/TESTING.md); never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser specs cannot run, or undefined when Chromium is there. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  return `${CHROMIUM} is missing: run \`bash .ci/checks/browser.sh\` (apt-get install chromium) or set CHROMIUM_PATH`;
}

/** `describe` for a spec that drives the browser: see describeWhen. */
export function describeWithChromium(name: string, fn: () => void): void {
  describeWhen(chromiumMissing(), name, fn);
}

/** True when nothing may be skipped: `npm run test:full`, or CI. */
export function mustRunEverything(): boolean {
  return process.env.TEST_FULL === '1' || process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * `describe(name, fn)` when `missing` is undefined. Otherwise, under `npm run test:full` or CI, a
 * block whose one test fails with the reason; elsewhere a skipped block, its reason printed now
 * and kept for the summary the global teardown prints.
 */
export function describeWhen(missing: string | undefined, name: string, fn: () => void): void {
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  if (mustRunEverything()) {
    describe(name, () => {
      it('has what it needs to run', () => {
        throw new Error(`${missing} (npm run test:full and CI skip nothing)`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${missing}`);
  recordSkip(name, missing);
  const skipped = describe.skip;
  skipped(name, fn);
}

const SKIP_LOG = 'TEST_SKIP_LOG';

/** Run by each project's global setup, before the workers fork: the run's file of skip reasons. */
export function openSkipLog(): void {
  if (process.env[SKIP_LOG]) return;
  process.env[SKIP_LOG] = join(mkdtempSync(join(tmpdir(), 'snf-skips-')), 'skipped.txt');
}

/** A skipped suite and its reason, one JSON line in the run's file (each worker appends). */
export function recordSkip(name: string, reason: string): void {
  const log = process.env[SKIP_LOG];
  if (log) appendFileSync(log, `${JSON.stringify({ name, reason })}\n`);
}

/**
 * Run by each project's global teardown: prints every skipped suite with its reason once, after
 * the results, then deletes the file (the other project's teardown then finds nothing).
 */
export function reportSkips(write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const log = process.env[SKIP_LOG];
  if (!log) return;
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  rmSync(dirname(log), { recursive: true, force: true });
  const skips = [...new Set(text.split('\n').filter(Boolean))].map(
    (line) => JSON.parse(line) as { name: string; reason: string },
  );
  if (skips.length === 0) return;
  const lines = skips.map(({ name, reason }) => `  - "${name}": ${reason}`);
  const title = `${skips.length} suite(s) SKIPPED (npm run test:full fails instead):`;
  const rule = '!'.repeat(title.length);
  write(`\n${rule}\n${title}\n${lines.join('\n')}\n${rule}\n`);
}
