import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clusterLocation } from '../../src/database/embedded/cluster-location';
import { copyToSharedRoot } from '../../src/database/embedded/postgres-binaries';
import { postgresOwner } from '../../src/database/embedded/postgres-owner';
import { SHARED_ROOT } from '../../src/database/embedded/shared-root';
import { describeWhen } from '../support/prerequisites';
import { spawnApp, waitForOutput, type SpawnedApp } from '../support/spawn-app';

// The scenario needs root (the embedded cluster then runs as the `postgres` user). CI runs as
// root and insists (`npm run test:full`); elsewhere the spec is skipped and says so.
const notRoot =
  process.getuid?.() === 0 ? undefined : 'not root: run the e2e suite as root (CI does)';
const describeAsRoot = (name: string, fn: () => void): void => describeWhen(notRoot, name, fn);

const REPO = join(__dirname, '..', '..');
const BANNER = /\[Bootstrap\] ready \|.* data in (\S+) \|/;
const canRead = (user: string, args: string[]): boolean => {
  try {
    execFileSync('runuser', ['-u', user, '--', ...args], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};
const running = (): string => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });

describeAsRoot('root with the project in a private (0700) home directory', () => {
  // A clone in a 0700 directory, as in /root: dist/ copied, node_modules hard-linked (same
  // files, but reachable only through the private path, PostgreSQL binaries included).
  const home = mkdtempSync(join(tmpdir(), 'snf-home-'));
  const clone = join(home, 'project');
  const dataDir = join(clone, '.data');
  const sharedRootExisted = existsSync(SHARED_ROOT);
  const copiesBefore = sharedRootExisted ? readdirSync(SHARED_ROOT) : [];
  let pgdata = '';
  let port = 0;
  let app: SpawnedApp | undefined;

  const start = (): SpawnedApp => {
    port = 20_000 + Math.floor(Math.random() * 20_000);
    app = spawnApp(
      { DATA_DIR: dataDir, LOG_DIR: join(clone, 'logs'), PORT: String(port), BCRYPT_ROUNDS: '4' },
      { main: join(clone, 'dist', 'main.js'), cwd: clone },
    );
    return app;
  };
  const stop = async (): Promise<void> => {
    app?.child.kill('SIGINT');
    await app?.exited;
    app = undefined;
  };
  const account = {
    email: 'root-home@example.org',
    password: 'Violet-Harbor-Lamp-42',
  };

  beforeAll(() => {
    mkdirSync(clone);
    cpSync(join(REPO, 'dist'), join(clone, 'dist'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(clone, 'package.json'));
    execFileSync('cp', ['-al', join(REPO, 'node_modules'), join(clone, 'node_modules')]);
  }, 60_000);

  afterAll(async () => {
    await stop();
    rmSync(home, { recursive: true, force: true });
    if (pgdata) rmSync(dirname(pgdata), { recursive: true, force: true });
    // Leave what was there before; remove the binaries copy and the root this spec created.
    for (const entry of existsSync(SHARED_ROOT) ? readdirSync(SHARED_ROOT) : []) {
      if (entry.startsWith('postgres-') && !copiesBefore.includes(entry)) {
        rmSync(join(SHARED_ROOT, entry), { recursive: true, force: true });
      }
    }
    if (!sharedRootExisted && existsSync(SHARED_ROOT) && readdirSync(SHARED_ROOT).length === 0) {
      rmSync(SHARED_ROOT, { recursive: true });
    }
  }, 60_000);

  // One story: the next start needs the cluster and the account of the first.
  it('starts, with the cluster in a private directory of the shared root that others cannot read, and reuses the same cluster on the next start', async () => {
    expect(statSync(home).mode & 0o777).toBe(0o700);
    start();
    const [, where] = await waitForOutput(app!, BANNER, 120_000);
    pgdata = where;
    expect(dirname(dirname(pgdata))).toBe(SHARED_ROOT);
    expect(pgdata.slice(SHARED_ROOT.length)).toMatch(/^\/[0-9a-f]{16}\/postgres$/);

    // The binaries run from the root-owned copy: the postgres user cannot reach node_modules here.
    const postmaster = running()
      .split('\n')
      .find((line) => line.includes(` -D ${pgdata} `));
    expect(postmaster).toMatch(
      /^\/var\/lib\/secure-nest-foundation\/postgres-[^/]+\/bin\/postgres /,
    );
    const owner = postgresOwner()!;
    const clusterDir = dirname(pgdata);
    for (const [path, mode] of [
      [clusterDir, 0o700],
      [pgdata, 0o700],
      [join(pgdata, 'server.key'), 0o600],
    ] as const) {
      expect({ path, uid: statSync(path).uid, mode: statSync(path).mode & 0o777 }).toEqual({
        path,
        uid: owner.uid,
        mode,
      });
    }
    expect(readFileSync(join(clusterDir, 'data-dir'), 'utf8').trim()).toBe(realpathSync(dataDir));
    expect(canRead('postgres', ['cat', join(pgdata, 'PG_VERSION')])).toBe(true);
    expect(canRead('nobody', ['ls', clusterDir])).toBe(false);
    expect(canRead('nobody', ['cat', join(pgdata, 'PG_VERSION')])).toBe(false);
    expect(canRead('nobody', ['cat', join(pgdata, 'server.key')])).toBe(false);
    // The private home stays private: nothing was opened up to let the postgres user in.
    expect(statSync(home).mode & 0o777).toBe(0o700);

    const registered = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...account, username: 'root_home', birthDate: '1990-01-01' }),
    });
    expect(registered.status).toBe(201);
    await stop();
    expect(running()).not.toContain(pgdata);

    // The next start.
    start();
    const [, again] = await waitForOutput(app!, BANNER, 60_000);
    expect(again).toBe(pgdata);
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    expect(login.status).toBe(200);
    await stop();
    expect(running()).not.toContain(pgdata);
  }, 240_000);
});

describeAsRoot('where the embedded cluster lives (as root)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'snf-where-'));
  chmodSync(scratch, 0o711);
  const sharedRoot = join(scratch, 'shared');
  const privateDataDir = (name: string): string => {
    const homeDir = join(scratch, name);
    mkdirSync(homeDir, { mode: 0o700 });
    mkdirSync(join(homeDir, 'data'));
    return join(homeDir, 'data');
  };
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('gives two projects two private clusters, and a restart the same one', async () => {
    const owner = postgresOwner()!;
    const first = await clusterLocation(privateDataDir('one'), owner, sharedRoot);
    const second = await clusterLocation(privateDataDir('two'), owner, sharedRoot);
    expect(first.outsideDataDir).toBe(true);
    expect(first.pgdata).not.toBe(second.pgdata);
    for (const { workDir } of [first, second]) {
      expect(dirname(workDir)).toBe(sharedRoot);
      expect(statSync(workDir).uid).toBe(owner.uid);
      expect(statSync(workDir).mode & 0o777).toBe(0o700);
    }
    expect(statSync(sharedRoot).mode & 0o777).toBe(0o711);
    expect(await clusterLocation(join(scratch, 'one', 'data'), owner, sharedRoot)).toEqual(first);
  });

  it('refuses a cluster directory that names another DATA_DIR, and a shared root others can write', async () => {
    const owner = postgresOwner()!;
    const dataDir = privateDataDir('three');
    const { workDir } = await clusterLocation(dataDir, owner, sharedRoot);
    writeFileSync(join(workDir, 'data-dir'), '/somewhere/else\n');
    await expect(clusterLocation(dataDir, owner, sharedRoot)).rejects.toThrow(
      /embedded database of another DATA_DIR/,
    );
    chmodSync(sharedRoot, 0o777);
    await expect(clusterLocation(privateDataDir('four'), owner, sharedRoot)).rejects.toThrow(
      /writable only by root/,
    );
    chmodSync(sharedRoot, 0o711);
  });

  it('keeps the cluster in DATA_DIR when the postgres user can reach it, or runs as the current user', async () => {
    const reachable = join(scratch, 'open-data');
    mkdirSync(reachable);
    const owner = postgresOwner()!;
    expect(await clusterLocation(reachable, owner, sharedRoot)).toEqual({
      pgdata: join(reachable, 'postgres'),
      workDir: reachable,
      outsideDataDir: false,
    });
    const privateOne = privateDataDir('five');
    expect((await clusterLocation(privateOne, undefined, sharedRoot)).pgdata).toBe(
      join(privateOne, 'postgres'),
    );
  });

  it('copies the binaries once, symlinks kept, and refuses a copy others can write', async () => {
    const home = join(scratch, 'native');
    mkdirSync(join(home, 'bin'), { recursive: true });
    mkdirSync(join(home, 'lib'));
    writeFileSync(join(home, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(home, 'lib', 'libpq.so.5.18'), 'lib');
    symlinkSync('libpq.so.5.18', join(home, 'lib', 'libpq.so'));
    const installed = {
      home,
      initdb: join(home, 'bin', 'initdb'),
      postgres: join(home, 'bin', 'postgres'),
      version: '0.0.0-test',
    };
    const copy = await copyToSharedRoot(installed, scratch);
    expect(copy.postgres).toBe(join(copy.home, 'bin', 'postgres'));
    expect(copy.home).toBe(
      join(scratch, `postgres-0.0.0-test-${process.platform}-${process.arch}`),
    );
    expect(readlinkSync(join(copy.home, 'lib', 'libpq.so'))).toBe('libpq.so.5.18');
    expect(statSync(copy.postgres).mode & 0o777).toBe(0o755);
    writeFileSync(join(copy.home, 'sentinel'), '');
    await copyToSharedRoot(installed, scratch);
    expect(existsSync(join(copy.home, 'sentinel'))).toBe(true); // reused, not copied again
    chmodSync(copy.home, 0o777);
    await expect(copyToSharedRoot(installed, scratch)).rejects.toThrow(/writable only by root/);
  });
});
