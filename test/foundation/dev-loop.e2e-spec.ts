import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnedTestEnv, waitForStatus, type SpawnedApp } from '../support/spawn-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const REPO = join(__dirname, '..', '..');
/** What `npm run build` and `npm run dev` read; node_modules is linked, not copied. */
const CHECKOUT = [
  'src',
  'client',
  'migrations',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.migrations.json',
];
const LIVENESS = join('src', 'health', 'liveness.route.ts');

/** A copy of the checkout to change files in: the real sources stay untouched. */
function cloneCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'snf-devloop-'));
  for (const path of CHECKOUT) cpSync(join(REPO, path), join(dir, path), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** `node scripts/<script>` in `cwd`, as the npm script runs it, with its output kept. */
function runScript(
  cwd: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): SpawnedApp {
  const child = spawn(process.execPath, [join('scripts', script), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** `npm run cli -- generate-key` in `cwd`: its exit code and what it printed. */
function cli(cwd: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['scripts/cli.js', 'generate-key'], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Polls `url` until its JSON body satisfies `accept`; fails with the last body and the output. */
async function waitForBody(
  url: string,
  accept: (body: Record<string, unknown>) => boolean,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    try {
      last = await (await fetch(url)).text();
      if (accept(JSON.parse(last) as Record<string, unknown>)) return;
    } catch {
      // restarting: nothing listens for a moment
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} still answers ${last} after ${timeoutMs} ms:\n${output()}`);
}

describe('the dev loop (npm run dev, npm run cli, npm run build) on a copy of the checkout', () => {
  let dir: string;
  beforeAll(() => {
    dir = cloneCheckout();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('npm run dev', () => {
    let db: TestDatabase;
    let dev: SpawnedApp | undefined;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      if (dev && dev.child.exitCode === null) {
        dev.child.kill('SIGTERM');
        await dev.exited;
      }
      await db?.drop();
    });

    it('serves from dist-dev/, restarts on a source change with the new code, and stops on SIGTERM', async () => {
      const port = await freePort();
      dev = runScript(dir, 'dev.js', [], spawnedTestEnv(port, dir, db));
      const live = `http://127.0.0.1:${port}/health/live`;
      await waitForStatus(live, 200, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${dev?.output()}`);
      });
      expect(await (await fetch(live)).json()).toEqual({ status: 'ok' });

      const source = readFileSync(join(dir, LIVENESS), 'utf8');
      expect(source).toContain("{ status: 'ok' }");
      writeFileSync(
        join(dir, LIVENESS),
        source.replace("{ status: 'ok' }", "{ status: 'ok', edited: true }"),
      );
      await waitForBody(live, (body) => body.edited === true, 60_000, dev.output);

      expect(dev.output()).toContain('[dev] compiled: restarting the server');
      expect(existsSync(join(dir, 'dist-dev', 'main.js'))).toBe(true);
      expect(existsSync(join(dir, 'dist'))).toBe(false); // npm start's folder is not touched
      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
    }, 180_000);
  });

  describe('npm run cli and npm run build', () => {
    const stamp = (): number => statSync(join(dir, 'dist', '.build-stamp')).mtimeMs;

    it('builds only when a source is newer than dist/, then runs the CLI from dist/', () => {
      const first = cli(dir);
      expect(first).toMatchObject({ code: 0, stderr: expect.stringContaining('building first') });
      expect(first.stdout).toMatch(/^key id: k\d{8}-[0-9a-f]{6}$/m);
      const builtAt = stamp();

      const second = cli(dir);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toMatch(/^key id: /m);
      expect(stamp()).toBe(builtAt);

      // An edit after the build (its time set ahead, as a save a second later would) makes it stale.
      const later = new Date(builtAt + 2_000);
      utimesSync(join(dir, 'src', 'cli', 'generate-key.ts'), later, later);
      const third = cli(dir);
      expect(third).toMatchObject({ code: 0, stderr: expect.stringContaining('building first') });
      expect(stamp()).toBeGreaterThan(builtAt);
    }, 120_000);

    it('keeps a complete dist/ in place while it builds (a running server or CLI loses nothing)', async () => {
      const build = runScript(dir, 'build.js', []);
      const missing: string[] = [];
      const polls = { count: 0 };
      while (build.child.exitCode === null) {
        polls.count += 1;
        for (const file of ['main.js', 'cli/main.js', 'migrations', 'account/data'])
          if (!existsSync(join(dir, 'dist', file))) missing.push(file);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await build.exited).toBe(0);
      expect(polls.count).toBeGreaterThan(10); // the build took a while: the polls saw it run
      expect(missing).toEqual([]);
      expect(cli(dir).code).toBe(0);
    }, 120_000);
  });
});
