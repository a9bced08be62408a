// Jest 30 on Node 20 cannot require() ES modules, and NestJS 12 ships as ESM only.
// Transform exactly the packages that declare "type": "module"; leave the rest alone.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(root = path.join(__dirname, 'node_modules')) {
  const names = new Set();
  const visit = (dir, scope) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (entry.startsWith('.')) continue;
      if (!scope && entry.startsWith('@')) { visit(path.join(dir, entry), entry); continue; }
      const pkgDir = path.join(dir, entry);
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
        if (pkg.type === 'module') names.add(scope ? `${scope}/${entry}` : entry);
      } catch { /* not a package */ }
      visit(path.join(pkgDir, 'node_modules'));
    }
  };
  visit(root);
  return [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
module.exports = { testEnvironment: 'node', transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2023' }, module: { type: 'commonjs' } }] }, transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`], testRegex: '\\.spec\\.ts$' };
