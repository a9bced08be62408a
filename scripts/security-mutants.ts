// Security mutants (docs/TESTING.md): each named mutation of test/mutants/security-mutants.ts is
// applied, alone, to a copy of the repository's tracked files; the mutated tree must type-check,
// and the mutant's specs must then fail. Exit 0 only when every mutant is killed.
//
// Usage: tsx scripts/security-mutants.ts [--list] [--only id,...] [--skip-baseline] [--keep]
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, existsSync } from 'node:fs';
import { readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { startTestPostgres } from '../test/support/global-setup';
import { applyMutant, listProblems, parseArgs, selectMutants } from '../test/mutants/apply-mutant';
import { IncrementalTypeCheck } from '../test/mutants/incremental-type-check';
import { SECURITY_MUTANTS, type SecurityMutant } from '../test/mutants/security-mutants';

const ROOT = resolve(__dirname, '..');
/** One mutant's specs must settle well within this; past it the run counts as failed (killed). */
const JEST_TIMEOUT_MS = 8 * 60_000;

type Status = 'killed' | 'survived' | 'not applicable' | 'broken' | 'error';
interface Verdict {
  id: string;
  status: Status;
  seconds: number;
  detail?: string;
}
interface JestRun {
  code: number | null;
  timedOut: boolean;
  failed: number;
  ran: number;
  /** The first failed test, or the first suite that failed to run: what killed the mutant. */
  firstFailure?: string;
  log: string;
}

interface JestJson {
  numFailedTests: number;
  numFailedTestSuites: number;
  numTotalTests: number;
  testResults: Array<{
    name: string;
    status: string;
    assertionResults: Array<{ status: string; fullName: string }>;
  }>;
}

/** The tracked files as they are in the working tree, copied once; node_modules linked, not copied. */
function copyTrackedFiles(work: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(work, file)), { recursive: true });
    copyFileSync(from, join(work, file));
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(work, 'node_modules'), 'dir');
}

function runProcess(
  work: string,
  [command, ...args]: string[],
  env: NodeJS.ProcessEnv,
  log: string,
): Promise<{ code: number | null; timedOut: boolean }> {
  return new Promise((done, failed) => {
    const out = openSync(log, 'w');
    // Its own process group, so a timeout ends jest, its workers and any app they spawned.
    const child = spawn(command, args, {
      cwd: work,
      env,
      stdio: ['ignore', out, out],
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, JEST_TIMEOUT_MS);
    child.on('error', failed);
    child.on('exit', (code) => {
      clearTimeout(timer);
      closeSync(out);
      done({ code, timedOut });
    });
  });
}

async function runJest(
  work: string,
  specs: string[],
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<JestRun> {
  const log = join(work, '.mutants', `${name}.log`);
  const json = join(work, '.mutants', `${name}.json`);
  const jest = join(work, 'node_modules/jest/bin/jest.js');
  const args = [
    process.execPath,
    jest,
    ...specs,
    '--silent',
    '--bail',
    '--ci',
    '--json',
    `--outputFile=${json}`,
  ];
  const { code, timedOut } = await runProcess(work, args, env, log);
  // --bail ends jest before it writes the JSON: its summary lines then say what failed.
  if (!existsSync(json)) return { code, timedOut, ...fromSummary(readFileSync(log, 'utf8')), log };
  const result = JSON.parse(readFileSync(json, 'utf8')) as JestJson;
  const suites = result.testResults;
  const failedTest = suites
    .flatMap((suite) => suite.assertionResults)
    .find((test) => test.status === 'failed');
  const failedSuite = suites.find((suite) => suite.status === 'failed');
  return {
    code,
    timedOut,
    failed: result.numFailedTests + result.numFailedTestSuites,
    ran: result.numTotalTests,
    firstFailure:
      failedTest?.fullName ?? (failedSuite && `${relative(work, failedSuite.name)} failed to run`),
    log,
  };
}

function fromSummary(output: string): Pick<JestRun, 'failed' | 'ran' | 'firstFailure'> {
  const count = (line: RegExp): number => Number(line.exec(output)?.[1] ?? 0);
  return {
    failed: count(/^Tests:.*?(\d+) failed/m) + count(/^Test Suites:.*?(\d+) failed/m),
    ran: count(/^Tests:.*?(\d+) total/m),
    firstFailure: /^\s*● (.+)$/m.exec(output)?.[1],
  };
}

function lastLines(file: string, count = 15): string {
  return existsSync(file)
    ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n')
    : '';
}

async function runMutant(
  mutant: SecurityMutant,
  work: string,
  types: IncrementalTypeCheck,
  env: NodeJS.ProcessEnv,
): Promise<Omit<Verdict, 'id' | 'seconds'>> {
  const missing = [mutant.file, ...mutant.specs].filter((path) => !existsSync(join(work, path)));
  if (missing.length > 0)
    return { status: 'not applicable', detail: `missing: ${missing.join(', ')}` };
  const path = join(work, mutant.file);
  const pristine = readFileSync(path, 'utf8');
  const mutation = applyMutant(pristine, mutant);
  if (!mutation.applies) return { status: 'not applicable', detail: mutation.reason };
  writeFileSync(path, mutation.text);
  try {
    const errors = types.check();
    if (errors.length > 0) return { status: 'broken', detail: errors.slice(0, 5).join('\n') };
    if (mutant.build) {
      const build = await runProcess(
        work,
        ['npm', 'run', 'build'],
        env,
        join(work, '.mutants', `${mutant.id}.build.log`),
      );
      if (build.code !== 0) return { status: 'broken', detail: 'npm run build failed' };
    }
    const run = await runJest(work, mutant.specs, env, mutant.id);
    if (run.timedOut) return { status: 'killed', detail: 'timed out' };
    if (run.code === 0)
      return run.ran > 0
        ? { status: 'survived', detail: `${run.ran} tests passed on the mutant` }
        : { status: 'error', detail: 'no test ran' };
    if (run.failed > 0) return { status: 'killed', detail: run.firstFailure };
    return {
      status: 'error',
      detail: `jest exited ${run.code} without a failed test:\n${lastLines(run.log)}`,
    };
  } finally {
    writeFileSync(path, pristine);
  }
}

function report(verdict: Verdict, width: number): void {
  const line = `${verdict.id.padEnd(width)}  ${verdict.status.padEnd(14)}  ${verdict.seconds.toFixed(0).padStart(4)} s`;
  console.log(line);
  if (!verdict.detail) return;
  // A kill names the test that failed, on one line; anything else shows its reason in full.
  const detail =
    verdict.status === 'killed' ? `by: ${verdict.detail.slice(0, 140)}` : verdict.detail;
  console.log(detail.replace(/^/gm, '    '));
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  const problems = listProblems(SECURITY_MUTANTS);
  if (problems.length > 0) throw new Error(`the mutant list is malformed:\n${problems.join('\n')}`);
  const mutants = selectMutants(SECURITY_MUTANTS, options.only);
  const width = Math.max(...mutants.map((m) => m.id.length));
  if (options.list) {
    for (const m of mutants)
      console.log(
        `${m.id.padEnd(width)}  ${m.defence}\n${' '.repeat(width + 2)}${m.specs.join(' ')}`,
      );
    return 0;
  }

  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'security-mutants-'));
  mkdirSync(join(work, '.mutants'));
  copyTrackedFiles(work);
  console.log(`${mutants.length} mutants, in a copy of the tracked files at ${work}`);
  const database = await startTestPostgres();
  const stop = (): void => void database.server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    const env = { ...process.env, ...database.env };
    const types = new IncrementalTypeCheck(work);
    const baseErrors = types.check();
    if (baseErrors.length > 0)
      throw new Error(`the unmutated tree does not type-check:\n${baseErrors.join('\n')}`);
    if (mutants.some((m) => m.build)) {
      const build = await runProcess(
        work,
        ['npm', 'run', 'build'],
        env,
        join(work, '.mutants', 'build.log'),
      );
      if (build.code !== 0)
        throw new Error(
          `npm run build fails on the unmutated tree:\n${lastLines(join(work, '.mutants', 'build.log'))}`,
        );
    }
    if (!options.skipBaseline) {
      const specs = [...new Set(mutants.flatMap((m) => m.specs))].filter((s) =>
        existsSync(join(work, s)),
      );
      const t0 = Date.now();
      const baseline = await runJest(work, specs, env, 'baseline');
      if (baseline.code !== 0)
        throw new Error(
          `the specs fail on the unmutated code, so no kill would mean anything:\n${lastLines(baseline.log, 30)}`,
        );
      console.log(
        `baseline: ${specs.length} specs, ${baseline.ran} tests pass unmutated (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
    const verdicts: Verdict[] = [];
    for (const mutant of mutants) {
      const t0 = Date.now();
      const verdict = {
        id: mutant.id,
        ...(await runMutant(mutant, work, types, env)),
        seconds: (Date.now() - t0) / 1000,
      };
      verdicts.push(verdict);
      report(verdict, width);
    }
    const count = (status: Status): number => verdicts.filter((v) => v.status === status).length;
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    console.log(
      `\n${count('killed')} of ${verdicts.length} killed; ${count('survived')} survived, ${count('not applicable')} not applicable, ${count('broken')} broken, ${count('error')} errors (${minutes} min)`,
    );
    return count('killed') === verdicts.length ? 0 : 1;
  } finally {
    await database.server.stop();
    rmSync(database.dataDir, { recursive: true, force: true });
    if (options.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`test:mutants: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
