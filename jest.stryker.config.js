// StrykerJS runs jest in one project: its jest runner neither selects nor instruments the
// `projects` of jest.config.js. This is the unit project of that file, limited to src/ (the specs
// of the mutated code); test/support and test/docs check tooling and docs, not the mutated code.
const { projects, testTimeout } = require('./jest.config.js');

const unit = projects.find((project) => project.displayName === 'unit');

/** @type {import('jest').Config} */
module.exports = {
  ...unit,
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout,
};
