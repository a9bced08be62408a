// StrykerJS: mutation testing of the security rules that unit specs cover (docs/TESTING.md,
// "StrykerJS"). A list of files rather than whole folders: on a shared 2-core machine every mutant
// costs a jest start plus its covering specs (the account limiter's take 11 s), and the folders'
// 1,300 mutants took over two hours. Repositories, entities, modules, DTOs and controllers are SQL,
// decorators and wiring, which only the e2e specs (PostgreSQL, HTTP) can catch.
const SECURITY_RULES = [
  // Production refuses weak, placeholder or shared secrets, and insecure database TLS.
  'src/config/production-rules.ts',
  // Field encryption (AES-256-GCM, AAD, canonical tokens), the keyring, digests, the CSPRNG helpers.
  'src/crypto/field-cipher.service.ts',
  'src/crypto/keyring.ts',
  'src/crypto/digest.ts',
  'src/crypto/random.ts',
  'src/crypto/password-hasher.service.ts',
  // Second factors: TOTP steps and replay, recovery codes, passkey assertions, the counted check.
  'src/mfa/totp-codes.ts',
  'src/mfa/totp.service.ts',
  'src/mfa/recovery-codes.service.ts',
  'src/mfa/second-factor.service.ts',
  'src/mfa/passkeys/passkey-assertions.ts',
  // Guess counting per network and account-wide.
  'src/rate-limit/failure-counter.ts',
  'src/rate-limit/client-network.ts',
  'src/rate-limit/second-factor-limiter.ts',
  // Refresh-token rotation, reuse detection, the per-request session check.
  'src/sessions/sessions.service.ts',
  'src/sessions/session-check.batcher.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: SECURITY_RULES,
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
