import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyMutant,
  listProblems,
  occurrences,
  parseArgs,
  selectMutants,
} from '../mutants/apply-mutant';
import { SECURITY_MUTANTS, type SecurityMutant } from '../mutants/security-mutants';

const ROOT = join(__dirname, '../..');

const mutant = (overrides: Partial<SecurityMutant> = {}): SecurityMutant => ({
  id: 'some-check',
  defence: 'a check',
  file: 'src/x.ts',
  find: 'a',
  replace: 'b',
  specs: ['src/x.spec.ts'],
  ...overrides,
});

describe('security mutants: applying one', () => {
  it('replaces a find that occurs exactly once', () => {
    expect(applyMutant('if (ok && fresh) go();', { find: ' && fresh', replace: '' })).toEqual({
      applies: true,
      text: 'if (ok) go();',
    });
  });

  it('refuses a find that occurs nowhere', () => {
    expect(applyMutant('if (ok) go();', { find: 'fresh', replace: '' })).toEqual({
      applies: false,
      reason: 'find text not found',
    });
  });

  it('refuses a find that occurs twice rather than mutating the first', () => {
    expect(applyMutant('a && b; a && b;', { find: 'a && b', replace: 'a' })).toEqual({
      applies: false,
      reason: 'find text occurs 2 times, not once',
    });
  });

  it('counts overlapping occurrences, and an empty find as ambiguous', () => {
    expect(occurrences('aaa', 'aa')).toBe(2);
    expect(applyMutant('x', { find: '', replace: 'y' }).applies).toBe(false);
  });

  it('refuses a mutation that changes nothing', () => {
    expect(applyMutant('abc', { find: 'b', replace: 'b' })).toEqual({
      applies: false,
      reason: 'replace equals find',
    });
  });
});

describe('security mutants: the runner options', () => {
  it('reads --list, --only (both forms, repeatable), --skip-baseline and --keep', () => {
    expect(parseArgs([])).toEqual({
      list: false,
      only: undefined,
      skipBaseline: false,
      keep: false,
    });
    expect(parseArgs(['--only', 'a,b', '--only=c', '--skip-baseline', '--keep', '--list'])).toEqual(
      { list: true, only: ['a', 'b', 'c'], skipBaseline: true, keep: true },
    );
  });

  it('refuses an unknown argument and an --only without ids', () => {
    expect(() => parseArgs(['--bail'])).toThrow('unknown argument --bail');
    expect(() => parseArgs(['--only'])).toThrow('--only needs');
  });

  it('selects in list order and refuses an unknown id', () => {
    const list = [mutant({ id: 'one' }), mutant({ id: 'two' })];
    expect(selectMutants(list, ['two', 'one']).map((m) => m.id)).toEqual(['one', 'two']);
    expect(selectMutants(list, undefined)).toBe(list);
    expect(() => selectMutants(list, ['three'])).toThrow('unknown mutant id(s): three');
  });

  it('finds duplicate or malformed ids, multi-line defences and missing specs', () => {
    expect(
      listProblems([
        mutant(),
        mutant(),
        mutant({ id: 'Bad_Id' }),
        mutant({ id: 'two-lines', defence: 'a\nb' }),
        mutant({ id: 'no-specs', specs: [] }),
        mutant({ id: 'not-a-spec', specs: ['src/x.ts'] }),
      ]),
    ).toEqual([
      'some-check: duplicate id',
      'Bad_Id: id is not kebab-case',
      'two-lines: defence must be one line',
      'no-specs: no specs',
      'not-a-spec: src/x.ts is not a spec',
    ]);
  });
});

// The list against the code as it is now: a refactor that moves a check fails here, in every unit
// run, instead of only in the weekly mutants run.
describe('security mutants: the list still applies', () => {
  it('is well formed and has at least 25 mutants', () => {
    expect(listProblems(SECURITY_MUTANTS)).toEqual([]);
    expect(SECURITY_MUTANTS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(SECURITY_MUTANTS.map((m) => [m.id, m] as const))(
    '%s: its find occurs exactly once and its specs exist',
    (_id, m) => {
      expect(existsSync(join(ROOT, m.file))).toBe(true);
      expect(applyMutant(readFileSync(join(ROOT, m.file), 'utf8'), m)).toMatchObject({
        applies: true,
      });
      expect(m.specs.filter((spec) => !existsSync(join(ROOT, spec)))).toEqual([]);
    },
  );
});
