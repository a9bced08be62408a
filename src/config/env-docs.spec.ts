import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { declaredVariables } from './env-variable.decorator';
import { ENV_VARIABLES, Env, SECRET_VARIABLES } from './env.schema';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const sorted = (names: Iterable<string>): string[] => [...names].sort();

/** The variable names of the first table under `heading`: the backticked names of its first column. */
function tableVariables(markdown: string, heading: string): string[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`no "## ${heading}" section`);
  const rows = section.split('\n').filter((line) => /^\| `/.test(line));
  return rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]));
}

/** Every `NAME=` line of .env.example, commented out or not, before the docker-compose-only part. */
function exampleVariables(text: string): string[] {
  const appPart = text.split(/^# --- docker-compose\.yml only/m)[0];
  return [...appPart.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

describe('the environment variables, declared once', () => {
  it('declares every validated property of Env as a variable, with a one-line description', () => {
    const validated = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(Env, '', true, false)
        .map((metadata) => metadata.propertyName),
    );
    expect(sorted(ENV_VARIABLES)).toEqual(sorted(validated));
    expect(new Set(ENV_VARIABLES).size).toBe(ENV_VARIABLES.length);
    for (const { name, description } of declaredVariables(Env))
      expect({ name, description: /^[^\n]{10,120}$/.test(description) }).toEqual({
        name,
        description: true,
      });
  });

  it.each([
    ['docs/CONFIGURATION.md', 'Variables'],
    ['docs/API.md', 'Environment'],
  ])('%s lists exactly the declared variables, each once', (path, heading) => {
    const listed = tableVariables(read(path), heading);
    expect(sorted(listed)).toEqual(sorted(ENV_VARIABLES));
  });

  it('.env.example shows every declared variable once, and no other for the app', () => {
    expect(sorted(exampleVariables(read('.env.example')))).toEqual(sorted(ENV_VARIABLES));
  });

  it('documents <NAME>_FILE for exactly the declared secrets', () => {
    const section = read('docs/CONFIGURATION.md')
      .split(/^## /m)
      .find((part) => part.startsWith('Secrets from files\n'));
    if (!section) throw new Error('no "## Secrets from files" section');
    const listed = section.split('\n\n').find((paragraph) => paragraph.startsWith('`'));
    const names = [...(listed ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]);
    expect(sorted(names)).toEqual(sorted(SECRET_VARIABLES));
    for (const path of ['docs/CONFIGURATION.md', 'docs/API.md'])
      expect({ path, row: read(path).includes('| `<SECRET>_FILE` |') }).toEqual({
        path,
        row: true,
      });
    // .env.example's header names them all before it names the form.
    const header = /^# Every secret([\s\S]*?)<NAME>_FILE/m.exec(read('.env.example'))?.[1] ?? '';
    expect(sorted(new Set(header.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g)))).toEqual(
      sorted(SECRET_VARIABLES),
    );
  });
});
