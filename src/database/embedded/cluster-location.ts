import { existsSync } from 'node:fs';
import { chown, lstat, mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../../crypto/digest';
import { reachableByOthers, type Owner } from './postgres-owner';
import { ensureSharedRoot } from './shared-root';

export interface ClusterLocation {
  /** The cluster's data directory. */
  pgdata: string;
  /** A directory the cluster's owner can enter and others cannot: initdb's password file goes here. */
  workDir: string;
  /** True when the cluster lives in the shared root rather than in DATA_DIR. */
  outsideDataDir: boolean;
}

// Names the DATA_DIR a shared-root cluster belongs to: shown to operators, checked on every start.
const MARKER = 'data-dir';

/**
 * Where the embedded cluster lives: DATA_DIR/postgres, unless the app runs as root (the cluster
 * then runs as the `postgres` user) and that user cannot walk down to DATA_DIR, as with a clone in
 * a 0700 home directory. Then: SHARED_ROOT/<first 16 hex of sha256(real DATA_DIR)>/postgres, that
 * directory owned by `postgres` and 0700, so the data stays private and two projects on one
 * machine never meet. A cluster already in DATA_DIR/postgres stays where it is.
 */
export async function clusterLocation(
  dataDir: string,
  owner: Owner | undefined,
  sharedRoot?: string,
): Promise<ClusterLocation> {
  const inDataDir = { pgdata: join(dataDir, 'postgres'), workDir: dataDir, outsideDataDir: false };
  if (
    !owner ||
    existsSync(join(inDataDir.pgdata, 'PG_VERSION')) ||
    reachableByOthers(dirname(dataDir))
  ) {
    return inDataDir;
  }
  const realDataDir = await realpath(dataDir);
  const dir = join(await ensureSharedRoot(sharedRoot), sha256Hex(realDataDir).slice(0, 16));
  await claim(dir, realDataDir, owner);
  return { pgdata: join(dir, 'postgres'), workDir: dir, outsideDataDir: true };
}

/** Makes `dir` the private home of this DATA_DIR's cluster, or refuses one that is not ours. */
async function claim(dir: string, dataDir: string, owner: Owner): Promise<void> {
  const created = await mkdir(dir, { mode: 0o700 }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  const marker = join(dir, MARKER);
  if (created) {
    await writeFile(marker, `${dataDir}\n`, { mode: 0o644 });
    await chown(dir, owner.uid, owner.gid);
  }
  const info = await lstat(dir);
  if (!info.isDirectory() || info.uid !== owner.uid || (info.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a directory owned by the postgres user with mode 0700`);
  }
  const claimedBy = (await readFile(marker, 'utf8').catch(() => '')).trim();
  if (claimedBy !== dataDir) {
    throw new Error(`${dir} holds the embedded database of another DATA_DIR (${claimedBy || '?'})`);
  }
}
