// ASVS 1.3.2 as docs/ASVS.md states it: the service never turns data into code. Every source file
// under src/ (specs aside) is parsed with the TypeScript compiler, so a comment or a string
// mentioning eval does not count and a call spelt across lines does.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '..', '..', 'src');

/**
 * The one module name computed at run time, from facts of the process rather than from input:
 * the embedded PostgreSQL binaries package for this platform and architecture.
 */
const ALLOWED = ['database/embedded/postgres-binaries.ts: import() of a computed name'];

const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate']);

const calleeName = (node: ts.Expression): string | undefined =>
  ts.isIdentifier(node)
    ? node.text
    : ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)
      ? `${node.expression.text}.${node.name.text}`
      : undefined;

const isStringy = (node: ts.Node | undefined): boolean =>
  node !== undefined &&
  (ts.isStringLiteralLike(node) ||
    ts.isTemplateExpression(node) ||
    (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken));

const isVm = (name: ts.Node | undefined): boolean =>
  name !== undefined && ts.isStringLiteralLike(name) && /^(node:)?vm$/.test(name.text);

/** Each way of running code built at run time that `source` contains, as `file: what`. */
export function dynamicCode(file: string, source: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node.expression);
      const [first] = node.arguments ?? [];
      const bare = name?.replace(/^(globalThis|global|window)\./, '');
      if (bare === 'eval') found.push(`${file}: eval()`);
      if (bare === 'Function') found.push(`${file}: Function constructor`);
      if (bare && TIMERS.has(bare) && isStringy(first)) found.push(`${file}: ${bare}(string)`);
      if (name === 'require' && !(first && ts.isStringLiteralLike(first)))
        found.push(`${file}: require() of a computed name`);
      if (name === 'require' && isVm(first)) found.push(`${file}: the vm module`);
      if (
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        !(first && ts.isStringLiteralLike(first))
      )
        found.push(`${file}: import() of a computed name`);
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword && isVm(first))
        found.push(`${file}: the vm module`);
    }
    if (ts.isImportDeclaration(node) && isVm(node.moduleSpecifier))
      found.push(`${file}: the vm module`);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('no dynamic code execution in src/', () => {
  it('has no eval, Function constructor, vm, string timer or require/import of a computed name in src/', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((path) =>
      dynamicCode(relative(SRC, path), readFileSync(path, 'utf8')),
    );
    expect(found).toEqual(ALLOWED);
  });

  it('recognises each form it looks for, and not a mention in a comment or a string', () => {
    const hostile = [
      'eval(input);',
      'globalThis.eval(input);',
      'const f = new Function("a", body);',
      'Function(body)();',
      "import { runInNewContext } from 'node:vm';",
      "const vm = require('vm');",
      'setTimeout("doIt()", 10);',
      'setInterval(`run ${x}`, 10);',
      'const m = require(name);',
      'const n = await import(name);',
    ].join('\n');
    expect(dynamicCode('x.ts', hostile)).toEqual([
      'x.ts: eval()',
      'x.ts: eval()',
      'x.ts: Function constructor',
      'x.ts: Function constructor',
      'x.ts: the vm module',
      'x.ts: the vm module',
      'x.ts: setTimeout(string)',
      'x.ts: setInterval(string)',
      'x.ts: require() of a computed name',
      'x.ts: import() of a computed name',
    ]);
    const harmless = [
      '// eval(input) would be wrong here',
      "const text = 'new Function(body)';",
      'setTimeout(() => run(), 10);',
      "const h = require('handlebars');",
      "const t = await import('./tracing-sdk');",
    ].join('\n');
    expect(dynamicCode('y.ts', harmless)).toEqual([]);
  });
});
