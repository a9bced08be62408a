// `npm run build`: compiles into a new folder beside dist/, then swaps it in. dist/ is never
// emptied in place, so a server or CLI running from it (`npm start`, `npm run cli`) keeps its
// files while another build runs. `--if-stale` builds only when a source is newer than the last
// build (what `npm start` and `npm run cli` do).
const { execFileSync } = require('node:child_process');
const {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');
const { buildPages } = require('./build-pages');
const { copyAssets } = require('./copy-assets');

const root = join(__dirname, '..');
const DIST = join(root, 'dist');
/** Written last into a finished build; its time is when that build started reading sources. */
const STAMP = join(DIST, '.build-stamp');
/** What a build reads: a change to any of these makes dist/ stale. */
const INPUTS = [
  'src',
  'client',
  'migrations',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
  'scripts/build.js',
  'scripts/copy-assets.js',
  'scripts/build-pages.js',
];

/** The newest modification time (ms) of a file or of any file under a folder. */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs; // a deleted file changes its folder's time
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** True when dist/ holds a finished build started after the last change to any input. */
function isCurrent() {
  if (!existsSync(STAMP)) return false;
  const builtAt = statSync(STAMP).mtimeMs;
  return INPUTS.every(
    (input) => !existsSync(join(root, input)) || newest(join(root, input)) <= builtAt,
  );
}

function tsc(project, outDir) {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', project, '--outDir', outDir],
    { cwd: root, stdio: 'inherit' },
  );
}

/** Compiles the app and the migrations into a fresh folder, then puts it in dist/'s place. */
function build() {
  const startedAt = new Date();
  const next = mkdtempSync(join(root, '.dist-next-'));
  chmodSync(next, 0o755); // mkdtemp makes it private; dist/ is read by the image's non-root user
  try {
    tsc('tsconfig.build.json', next);
    tsc('tsconfig.migrations.json', join(next, 'migrations'));
    copyAssets(next);
    buildPages(next);
    writeFileSync(join(next, '.build-stamp'), `${startedAt.toISOString()}\n`);
    utimesSync(join(next, '.build-stamp'), startedAt, startedAt);
    swapIntoDist(next);
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

/**
 * Two renames on one file system: the old build moves aside whole (a process running from it
 * has its modules loaded; what it loads later comes from the new build), then is deleted.
 */
function swapIntoDist(next) {
  const old = existsSync(DIST) ? mkdtempSync(join(root, '.dist-old-')) : undefined;
  if (old) renameSync(DIST, join(old, 'dist'));
  renameSync(next, DIST);
  if (old) rmSync(old, { recursive: true, force: true });
}

if (require.main === module) {
  if (process.argv.includes('--if-stale') && isCurrent()) process.exit(0);
  build();
}

module.exports = { build, isCurrent };
