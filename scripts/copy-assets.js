// tsc copies no data files: ship the common-password list next to the compiled policy.
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
cpSync(join(root, 'src/account/data'), join(root, 'dist/account/data'), {
  recursive: true,
  filter: (source) => !source.endsWith('.md'),
});
