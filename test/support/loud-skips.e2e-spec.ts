import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const SPEC = 'test/security/docs-csp.e2e-spec.ts';

/**
 * Jest on one browser spec with no browser (CHROMIUM_PATH names nothing), sharing this run's
 * database (TEST_DATABASE_URL: its global setup starts none) but not its skip log.
 */
function jestWithoutChromium(extra: Record<string, string>): {
  code: number | null;
  output: string;
} {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.CI;
  delete env.TEST_FULL;
  delete env.TEST_SKIP_LOG;
  delete env.JEST_WORKER_ID;
  Object.assign(env, { CHROMIUM_PATH: '/nonexistent/chromium' }, extra);
  const run = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--selectProjects', 'e2e', '--runTestsByPath', SPEC],
    { cwd: REPO, env, encoding: 'utf8' },
  );
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('a suite without what it needs is loud', () => {
  it('npm test: skipped, and named with its reason in the summary at the end of the run', () => {
    const { code, output } = jestWithoutChromium({});
    expect(code).toBe(0);
    expect(output).toMatch(/Tests: +1 skipped, 1 total/);
    // The global teardown's summary, printed after the results (stdout; jest's results are on stderr).
    const summary = output.slice(output.lastIndexOf('!!!!\n1 suite'));
    expect(summary).toContain('1 suite(s) SKIPPED (npm run test:full fails instead):');
    expect(summary).toContain(
      '- "Swagger UI under its CSP, in headless Chromium": /nonexistent/chromium is missing',
    );
  }, 60_000);

  it('npm run test:full (TEST_FULL=1): the same suite fails, naming what is missing', () => {
    const { code, output } = jestWithoutChromium({ TEST_FULL: '1' });
    expect(code).toBe(1);
    expect(output).toContain('has what it needs to run');
    expect(output).toContain('/nonexistent/chromium is missing');
    expect(output).not.toContain('suite(s) SKIPPED');
  }, 60_000);
});
