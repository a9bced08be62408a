// StrykerJS: mutation testing of the security modules that unit specs cover (docs/TESTING.md,
// "StrykerJS"). Repositories, entities, modules, DTOs and controllers are left out: their rules
// are SQL, decorators and wiring, which only the e2e specs (PostgreSQL, HTTP) can catch.
const NOT_UNIT_TESTED = [
  '!src/**/*.spec.ts',
  '!src/**/*.entity.ts',
  '!src/**/*.module.ts',
  '!src/**/*.controller.ts',
  '!src/**/*.repository.ts',
  '!src/**/*.decorator.ts',
  '!src/**/dto/**',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/crypto/**/*.ts',
    'src/sessions/**/*.ts',
    'src/mfa/**/*.ts',
    'src/rate-limit/**/*.ts',
    // The production refusal rules: weak, placeholder or shared secrets, insecure database TLS.
    'src/config/production-rules.ts',
    ...NOT_UNIT_TESTED,
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.stryker.config.js',
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant: a regex, a Set of names) runs every spec of the
  // project, minutes each on a shared machine; the run would take hours. They are left out.
  ignoreStatic: true,
  // The machine (and a CI runner) has 2 cores shared with other work.
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Build output, run data and reports stay out of the sandbox copy (docs/ stays: specs read it).
  ignorePatterns: ['dist', 'dist-bench', '.data', 'logs', 'coverage', 'reports', '.mutants'],
  tempDirName: '.stryker-tmp',
};
