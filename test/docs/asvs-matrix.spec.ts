import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coverageProblems,
  parseRows,
  parseSummary,
  repositoryAt,
  rowProblems,
  summaryProblems,
  type Repository,
} from './asvs-matrix';
import { ASVS_L1_L2 } from './asvs-requirements';

const ROOT = join(__dirname, '..', '..');
const MATRIX = readFileSync(join(ROOT, 'docs', 'ASVS.md'), 'utf8');

describe('docs/ASVS.md', () => {
  const rows = parseRows(MATRIX);

  it('has one row per L1/L2 requirement of the assessed chapters, at its level', () => {
    expect(coverageProblems(rows, ASVS_L1_L2)).toEqual([]);
  });

  it('cites only test files, test titles and implementation paths that exist', () => {
    expect(rowProblems(rows, repositoryAt(ROOT))).toEqual([]);
  });

  it('counts in its summary exactly what its rows say', () => {
    expect(summaryProblems(rows, parseSummary(MATRIX))).toEqual([]);
  });
});

describe('the ASVS matrix checks themselves', () => {
  const repo: Repository = {
    exists: (path) => ['src/real.ts', 'test/real.spec.ts'].includes(path),
    read: () => "it('refuses a forged token', () => {}); it('keeps the user\\'s data', () => {});",
  };
  const row = (verdict: string, implementation: string, tests: string, note = ''): string =>
    `| 9.9.9 | a requirement | 1 | ${verdict} | ${implementation} | ${tests} | ${note} |`;

  it('accepts a met row citing an existing file, title and path, an escaped quote included', () => {
    const rows = parseRows(
      row('met', '`src/real.ts`', "`test/real.spec.ts` › «keeps the user's data»"),
    );
    expect(rows[0].tests).toEqual([{ file: 'test/real.spec.ts', title: "keeps the user's data" }]);
    expect(rowProblems(rows, repo)).toEqual([]);
  });

  it('names a test title its file does not have, and a test file that does not exist', () => {
    const rows = parseRows(
      row(
        'met',
        '`src/real.ts`',
        '`test/real.spec.ts` › «accepts anything»<br>`test/gone.spec.ts` › «x»',
      ),
    );
    expect(rowProblems(rows, repo)).toEqual([
      '9.9.9: test/real.spec.ts has no test titled "accepts anything"',
      '9.9.9: test file test/gone.spec.ts does not exist',
    ]);
  });

  it('names an implementation path that does not exist, and a met row without a test', () => {
    expect(rowProblems(parseRows(row('met', '`src/moved.ts`', '—')), repo)).toEqual([
      '9.9.9: marked met but names no test',
      '9.9.9: implementation path src/moved.ts does not exist',
    ]);
  });

  it('asks n/a and deviates rows for a reason', () => {
    expect(rowProblems(parseRows(row('n/a', '—', '—')), repo)).toEqual([
      '9.9.9: n/a without a reason in the note',
    ]);
  });

  it('reads an escaped bar and HTML entities in a title as the characters they show', () => {
    const [parsed] = parseRows(
      row('met', '—', '`test/real.spec.ts` › «a \\|\\| &lt;b&gt; &amp;amp;»'),
    );
    expect(parsed.tests[0].title).toBe('a || <b> &amp;');
  });

  it('finds a summary that disagrees with the rows', () => {
    const rows = parseRows([row('met', '—', '—'), row('gap', '—', '—')].join('\n'));
    const summary = parseSummary(
      '| met | 2 |\n| partial | 0 |\n| gap | 1 |\n| deviates | 0 |\n| n/a | 0 |\n| total | 2 |\n' +
        'Met: 50 % of the 2 applicable',
    );
    expect(summaryProblems(rows, summary)).toEqual(['summary says 2 met, the rows 1']);
  });

  it('finds a missing, an unknown, a repeated and a mislevelled requirement', () => {
    const rows = parseRows([row('met', '—', '—'), row('met', '—', '—')].join('\n'));
    expect(
      coverageProblems(
        rows,
        new Map([
          ['9.9.9', 2],
          ['1.1.1', 1],
        ]),
      ),
    ).toEqual([
      '9.9.9: level 1, the standard says 2',
      '9.9.9: more than one row',
      '9.9.9: level 1, the standard says 2',
      '1.1.1: no row',
    ]);
  });
});
