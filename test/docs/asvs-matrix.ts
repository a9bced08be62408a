import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VERDICTS = ['met', 'partial', 'gap', 'deviates', 'n/a'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface TestCitation {
  file: string;
  title: string;
}

export interface MatrixRow {
  id: string;
  level: number;
  verdict: string;
  paths: string[];
  tests: TestCitation[];
  note: string;
}

export interface Summary {
  counts: Partial<Record<Verdict | 'total', number>>;
  percentMet?: number;
  applicable?: number;
}

/** What the checks read from the repository: injectable, so the self-checks need no real files. */
export interface Repository {
  exists(path: string): boolean;
  read(path: string): string;
}

export function repositoryAt(root: string): Repository {
  return {
    exists: (path) => existsSync(join(root, path)),
    read: (path) => readFileSync(join(root, path), 'utf8'),
  };
}

const REQUIREMENT_ID = /^\d+\.\d+\.\d+$/;
const CITATION = /`([^`]+)`\s*›\s*«([^»]+)»/g;

/**
 * The cells of a table line, split on `|` but not on `\|` (a literal bar), with the entities
 * markdown needs for `<`, `>` and `&` decoded, so a cell reads as the text it shows.
 */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) =>
      cell
        .trim()
        .replace(/\\\|/g, '|')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
}

/** Every requirement row: a table line whose first cell is an id like 3.4.3. */
export function parseRows(markdown: string): MatrixRow[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map(cells)
    .filter((row) => REQUIREMENT_ID.test(row[0]))
    .map(([id, , level, verdict, implementation = '', tests = '', note = '']) => ({
      id,
      level: Number(level),
      verdict,
      paths: [...implementation.matchAll(/`([^`]+)`/g)].map((m) => m[1]),
      tests: [...tests.matchAll(CITATION)].map((m) => ({ file: m[1], title: m[2] })),
      note,
    }));
}

/** The summary table (`| verdict | count |`) and the "Met: N % of the M applicable" line. */
export function parseSummary(markdown: string): Summary {
  const counts: Summary['counts'] = {};
  for (const line of markdown.split('\n').filter((l) => l.startsWith('|'))) {
    const [name, value] = cells(line);
    if (([...VERDICTS, 'total'] as string[]).includes(name) && /^\d+$/.test(value))
      counts[name as Verdict | 'total'] = Number(value);
  }
  const met = /Met: ([\d.]+) % of the (\d+) applicable/.exec(markdown);
  return {
    counts,
    percentMet: met ? Number(met[1]) : undefined,
    applicable: met ? Number(met[2]) : undefined,
  };
}

/** A backslash before a quote in source is not part of the title the test runner shows. */
const unescapeQuotes = (source: string): string => source.replace(/\\(['"`])/g, '$1');

/** Problems with the rows themselves: what they cite, and what each verdict demands. */
export function rowProblems(rows: MatrixRow[], repo: Repository): string[] {
  const problems: string[] = [];
  const sources = new Map<string, string>();
  for (const row of rows) {
    if (!(VERDICTS as readonly string[]).includes(row.verdict))
      problems.push(`${row.id}: unknown verdict "${row.verdict}"`);
    if (row.verdict === 'met' && row.tests.length === 0)
      problems.push(`${row.id}: marked met but names no test`);
    if ((row.verdict === 'n/a' || row.verdict === 'deviates') && row.note === '')
      problems.push(`${row.id}: ${row.verdict} without a reason in the note`);
    for (const path of row.paths)
      if (!repo.exists(path))
        problems.push(`${row.id}: implementation path ${path} does not exist`);
    for (const { file, title } of row.tests) {
      if (!repo.exists(file)) {
        problems.push(`${row.id}: test file ${file} does not exist`);
        continue;
      }
      if (!sources.has(file)) sources.set(file, unescapeQuotes(repo.read(file)));
      if (!sources.get(file)!.includes(title))
        problems.push(`${row.id}: ${file} has no test titled "${title}"`);
    }
  }
  return problems;
}

/** Problems between the summary and the rows it counts. */
export function summaryProblems(rows: MatrixRow[], summary: Summary): string[] {
  const problems: string[] = [];
  const actual = (verdict: Verdict): number => rows.filter((r) => r.verdict === verdict).length;
  for (const verdict of VERDICTS)
    if (summary.counts[verdict] !== actual(verdict))
      problems.push(
        `summary says ${summary.counts[verdict]} ${verdict}, the rows ${actual(verdict)}`,
      );
  if (summary.counts.total !== rows.length)
    problems.push(`summary says ${summary.counts.total} in total, the rows ${rows.length}`);
  const applicable = rows.length - actual('n/a');
  const percent = applicable === 0 ? 0 : Math.round((actual('met') * 1000) / applicable) / 10;
  if (summary.applicable !== applicable || summary.percentMet !== percent)
    problems.push(
      `summary says ${summary.percentMet} % of ${summary.applicable} applicable met, the rows ${percent} % of ${applicable}`,
    );
  return problems;
}

/** Problems between the rows and the standard's list: every requirement once, at its level. */
export function coverageProblems(
  rows: MatrixRow[],
  expected: ReadonlyMap<string, number>,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) problems.push(`${row.id}: more than one row`);
    seen.add(row.id);
    const level = expected.get(row.id);
    if (level === undefined)
      problems.push(`${row.id}: not an L1/L2 requirement of the assessed chapters`);
    else if (level !== row.level)
      problems.push(`${row.id}: level ${row.level}, the standard says ${level}`);
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`${id}: no row`);
  return problems;
}
