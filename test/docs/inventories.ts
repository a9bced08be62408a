/** The variables that hold a key, a secret or a trust anchor, by their names. */
const KEY_VARIABLE = /SECRET|KEY|PEPPER|_CA$/;

/** Each key or CA variable of the configuration the cryptographic inventory does not name. */
export function cryptoInventoryProblems(markdown: string, variables: readonly string[]): string[] {
  return variables
    .filter((name) => KEY_VARIABLE.test(name))
    .filter((name) => !markdown.includes(`\`${name}\``))
    .map((name) => `docs/CRYPTOGRAPHY.md has no row for ${name}`);
}

/** The variables that name a network endpoint: an address to connect to or to listen on. */
const ENDPOINT_VARIABLE = /(^HOST|PORT|_URL|_ENDPOINT)$/;

/** Each endpoint variable the "Communications" table of docs/DEPLOYING.md does not name. */
export function communicationsProblems(markdown: string, variables: readonly string[]): string[] {
  const start = markdown.indexOf('## Communications');
  const section = start < 0 ? '' : markdown.slice(start).split('\n## ')[0];
  return variables
    .filter((name) => ENDPOINT_VARIABLE.test(name))
    .filter((name) => !section.includes(`\`${name}\``))
    .map((name) => `docs/DEPLOYING.md "Communications" does not name ${name}`);
}

export const DATA_CLASSES = ['secret', 'sensitive', 'personal', 'internal'] as const;

/**
 * Each table without a `### \`table\`` section, and each column without a row in its table's
 * section (first cell naming it in backticks) or with a class outside DATA_CLASSES.
 */
export function classificationProblems(
  markdown: string,
  tables: ReadonlyMap<string, readonly string[]>,
): string[] {
  const sections = new Map<string, string[]>();
  for (const part of markdown.split(/^### /m).slice(1)) {
    const [heading, ...lines] = part.split('\n');
    const table = /^`([^`]+)`/.exec(heading)?.[1];
    if (table) sections.set(table, lines);
  }
  const problems: string[] = [];
  for (const [table, columns] of tables) {
    const lines = sections.get(table);
    if (!lines) {
      problems.push(`docs/DATA-PROTECTION.md has no section for ${table}`);
      continue;
    }
    const classOf = new Map<string, string>();
    for (const line of lines.filter((l) => l.startsWith('|'))) {
      const [first = '', kind = ''] = line
        .split('|')
        .slice(1)
        .map((cell) => cell.trim());
      for (const name of first.matchAll(/`([^`]+)`/g)) classOf.set(name[1], kind);
    }
    for (const column of columns) {
      const kind = classOf.get(column);
      if (kind === undefined)
        problems.push(`docs/DATA-PROTECTION.md does not classify ${table}.${column}`);
      else if (!(DATA_CLASSES as readonly string[]).includes(kind))
        problems.push(
          `docs/DATA-PROTECTION.md gives ${table}.${column} the unknown class "${kind}"`,
        );
    }
  }
  return problems;
}
