// ASVS 3.2.2 for the account pages: their script renders every string from the API as text.
// Each browser source file is parsed with the TypeScript compiler; any HTML-parsing sink fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const BROWSER = join(__dirname, '..', '..', 'src', 'account-pages', 'browser');

/** Properties that parse the string assigned to them as markup. */
const MARKUP_PROPERTIES = new Set(['innerHTML', 'outerHTML', 'srcdoc']);
/** Methods that parse a string argument as markup. */
const MARKUP_METHODS = new Set([
  'insertAdjacentHTML',
  'write',
  'writeln',
  'createContextualFragment',
  'parseFromString',
  'setHTMLUnsafe',
]);

/** Each HTML-parsing sink `source` uses, as `file: what`. */
export function markupSinks(file: string, source: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (MARKUP_PROPERTIES.has(name)) found.push(`${file}: .${name}`);
      if (MARKUP_METHODS.has(name)) found.push(`${file}: .${name}()`);
    }
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const name = node.argumentExpression.text;
      if (MARKUP_PROPERTIES.has(name) || MARKUP_METHODS.has(name))
        found.push(`${file}: ['${name}']`);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return found;
}

describe('the account pages render text, never markup (ASVS 3.2.2)', () => {
  it('finds each sink in a planted example', () => {
    const planted = [
      'el.innerHTML = s;',
      "el['outerHTML'] = s;",
      "el.insertAdjacentHTML('beforeend', s);",
      'document.write(s);',
      'range.createContextualFragment(s);',
      'frame.srcdoc = s;',
    ].join('\n');
    expect(markupSinks('planted.ts', planted)).toHaveLength(6);
    expect(
      markupSinks('clean.ts', 'el.textContent = s; el.append(document.createElement("li"));'),
    ).toEqual([]);
  });

  it('the browser code uses none', () => {
    const files = readdirSync(BROWSER).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const sinks = files.flatMap((name) =>
      markupSinks(name, readFileSync(join(BROWSER, name), 'utf8')),
    );
    expect(sinks).toEqual([]);
  });
});
