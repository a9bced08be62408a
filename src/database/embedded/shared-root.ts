import { chmod, lstat, mkdir } from 'node:fs/promises';

/**
 * The one place outside DATA_DIR the embedded database may use, and only when the app runs as root
 * and the `postgres` user cannot reach the project (a clone in a 0700 home directory): a copy of
 * the PostgreSQL binaries and the per-project clusters. Persistent across reboots (not /tmp, whose
 * cleaners would eat a cluster), root-owned and 0711: others may pass through to what is theirs,
 * never list it.
 */
export const SHARED_ROOT = '/var/lib/secure-nest-foundation';

/** Creates `root` if needed and refuses it unless it is a real directory only root can write. */
export async function ensureSharedRoot(root: string = SHARED_ROOT): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o711 });
  const stat = await lstat(root);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new Error(
      `${root} must be a directory owned by root and writable only by root; refusing to keep the embedded database there`,
    );
  }
  if ((stat.mode & 0o777) !== 0o711) await chmod(root, 0o711);
  return root;
}
