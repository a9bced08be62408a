// tsc copies no data files: ship the common-password list next to the compiled policy, in the
// output folder given as the first argument (dist/ when none is given).
const { cpSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');

function copyAssets(outDir = join(root, 'dist')) {
  cpSync(join(root, 'src/account/data'), join(outDir, 'account/data'), {
    recursive: true,
    filter: (source) => !source.endsWith('.md'),
  });
}

if (require.main === module) copyAssets(process.argv[2] ? resolve(process.argv[2]) : undefined);

module.exports = { copyAssets };
