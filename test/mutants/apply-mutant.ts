import type { SecurityMutant } from './security-mutants';

/** How often `find` occurs in `text`, counting overlapping matches (each one is ambiguous). */
export function occurrences(text: string, find: string): number {
  if (find === '') return Infinity;
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + 1)) count++;
  return count;
}

export type Mutation = { applies: true; text: string } | { applies: false; reason: string };

/**
 * The mutated text of a pristine file, or why the mutant no longer applies: its `find` must occur
 * exactly once (never silently the first of several), and replacing it must change something.
 */
export function applyMutant(
  pristine: string,
  mutant: Pick<SecurityMutant, 'find' | 'replace'>,
): Mutation {
  if (mutant.find === mutant.replace) return { applies: false, reason: 'replace equals find' };
  const count = occurrences(pristine, mutant.find);
  if (count !== 1)
    return {
      applies: false,
      reason: count === 0 ? 'find text not found' : `find text occurs ${count} times, not once`,
    };
  const at = pristine.indexOf(mutant.find);
  return {
    applies: true,
    text: pristine.slice(0, at) + mutant.replace + pristine.slice(at + mutant.find.length),
  };
}

/** Problems with the list itself (not with the code): duplicate or malformed ids, empty fields. */
export function listProblems(mutants: SecurityMutant[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const mutant of mutants) {
    if (!mutant.id.split('-').every((part) => /^[a-z0-9]+$/.test(part)))
      problems.push(`${mutant.id}: id is not kebab-case`);
    if (seen.has(mutant.id)) problems.push(`${mutant.id}: duplicate id`);
    seen.add(mutant.id);
    if (!mutant.defence.trim() || mutant.defence.includes('\n'))
      problems.push(`${mutant.id}: defence must be one line`);
    if (mutant.specs.length === 0) problems.push(`${mutant.id}: no specs`);
    for (const spec of mutant.specs)
      if (!/\.(e2e-)?spec\.ts$/.test(spec)) problems.push(`${mutant.id}: ${spec} is not a spec`);
  }
  return problems;
}

export interface RunnerOptions {
  list: boolean;
  only: string[] | undefined;
  /** Skip the run of every spec on the unmutated code (it proves they pass there). */
  skipBaseline: boolean;
  /** Leave the temporary copy in place (to look at a survivor). */
  keep: boolean;
}

/** `--list`, `--only a,b`, `--only=a,b`, `--skip-baseline`, `--keep`; anything else throws. */
export function parseArgs(argv: string[]): RunnerOptions {
  const options: RunnerOptions = { list: false, only: undefined, skipBaseline: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--list') options.list = true;
    else if (arg === '--skip-baseline') options.skipBaseline = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a comma-separated list of mutant ids');
      options.only = [...(options.only ?? []), ...value.split(',').map((id) => id.trim())];
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** The mutants `only` names, in list order; an unknown id throws (a typo must not pass quietly). */
export function selectMutants(
  mutants: SecurityMutant[],
  only: string[] | undefined,
): SecurityMutant[] {
  if (!only) return mutants;
  const known = new Set(mutants.map((m) => m.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`unknown mutant id(s): ${unknown.join(', ')}`);
  return mutants.filter((m) => only.includes(m.id));
}
