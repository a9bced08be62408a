// `npm run cli -- <command>`: the operator CLI from dist/, built first only when dist/ is stale
// (scripts/build.js). The build swaps dist/ whole, so a server running from it is not disturbed.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { build, isCurrent } = require('./build');

if (!isCurrent()) {
  process.stderr.write('dist/ is older than the sources: building first\n');
  build();
}
const run = spawnSync(
  process.execPath,
  [join(__dirname, '..', 'dist', 'cli', 'main.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
if (run.error) throw run.error;
process.exit(run.status ?? 1);
